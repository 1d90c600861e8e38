using System.Security.Claims;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using KanbanBlazor.Web.Components;

namespace KanbanBlazor.Web.Features.Account;

public static class TenantSignIn
{
    public static Claim Claim(Guid tenantId) => new(TenantClaims.TenantId, tenantId.ToString());

    /// <summary>The security-stamp check rebuilds the principal from the user; keep the chosen tenant.</summary>
    public static Task KeepTenantClaim(SecurityStampRefreshingPrincipalContext context)
    {
        if (context.CurrentPrincipal?.FindFirst(TenantClaims.TenantId) is { } tenant &&
            context.NewPrincipal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == TenantClaims.TenantId))
            identity.AddClaim(new Claim(TenantClaims.TenantId, tenant.Value));
        return Task.CompletedTask;
    }
}

/// <summary>Sign-out, language and tenant switching: form posts, checked for antiforgery by UseAntiforgery.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account");

        // Signing out ends every session of the user: a new security stamp invalidates every cookie
        // issued before (checked on each request), and their open boards are closed at once.
        account.MapPost("/logout", async ([FromForm] string? returnUrl, HttpContext http, SignInManager<AppUser> signIn, AccessChanges changes) =>
        {
            if (http.User.UserId() is { } userId && await signIn.UserManager.FindByIdAsync(userId.ToString()) is { } user)
            {
                await signIn.UserManager.UpdateSecurityStampAsync(user);
                // PostgreSQL tells every instance of the new stamp; this instance need not wait for it.
                changes.Publish(new AccessChange(userId, null));
            }
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login?signedOut=true");
        }).RequireAuthorization();

        // The UI language: remembered in the request-localization cookie, and on the user's account so
        // that it follows them to other devices; then back to the page they were on.
        account.MapPost("/culture", async ([FromForm] string? culture, [FromForm] string? returnUrl, HttpContext http, UserManager<AppUser> users) =>
        {
            if (!Cultures.IsSupported(culture)) return Results.Problem(statusCode: 400, title: "Unknown language", detail: $"Choose one of {string.Join(", ", Cultures.Names)}.");
            Cultures.Remember(http, culture!);
            if (http.User.UserId() is { } userId && await users.FindByIdAsync(userId.ToString()) is { } user && user.PreferredCulture != culture)
            {
                user.PreferredCulture = culture;
                await users.UpdateAsync(user);
            }
            return Results.LocalRedirect(Login.IsLocal(returnUrl) ? returnUrl! : "/");
        });

        // Switching tenant re-issues the cookie; the next page load starts a circuit fixed to the new tenant.
        account.MapPost("/tenant", async ([FromForm] string tenant, HttpContext http, TenantResolver resolver,
            SignInManager<AppUser> signIn, ILoggerFactory logs) =>
        {
            var userId = http.User.UserId();
            var memberships = userId is { } id ? await resolver.MembershipsAsync(id, http.RequestAborted) : [];
            var target = memberships.FirstOrDefault(m => string.Equals(m.Slug, tenant, StringComparison.OrdinalIgnoreCase));
            if (target is null)
            {
                logs.CreateLogger("KanbanBlazor.Audit").LogWarning("User {UserId} tried to switch to tenant {Tenant} without a membership", userId, tenant);
                return Results.NotFound();
            }
            var user = await signIn.UserManager.FindByIdAsync(target.UserId.ToString());
            if (user is null) return Results.NotFound();
            var persistent = (await http.AuthenticateAsync(IdentityConstants.ApplicationScheme)).Properties?.IsPersistent ?? false;
            await signIn.SignInWithClaimsAsync(user, persistent, [TenantSignIn.Claim(target.TenantId)]);
            return Results.LocalRedirect("/board/lead");
        }).RequireAuthorization();
    }
}

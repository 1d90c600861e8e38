using System.Security.Claims;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Account;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KanbanBlazor.Web.Features.Api;

/// <summary>
/// Bearer tokens for the REST API, one per membership: ASP.NET Core's bearer-token handler issues and
/// checks them (protected with the app's data-protection key ring, so no token crypto of our own). A
/// token names its user, tenant and the user's security stamp: signing out, a password change or a
/// deactivation ends every token at once (<see cref="UseApiTokenChecks"/>), and a removed membership
/// ends it at the tenant check that every request passes.
/// </summary>
public static class ApiTokens
{
    public const string Scheme = BearerTokenDefaults.AuthenticationScheme;
    /// <summary>Cookie or bearer token, chosen per request by its Authorization header.</summary>
    public const string CookieOrToken = "CookieOrToken";
    /// <summary>A claim unique to each token (rate limits count per token).</summary>
    public const string TokenIdClaim = "kb:token";

    public sealed record TokenRequest(string Email, string Password, string Tenant);
    public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt, string TokenType, string Tenant, string Role);

    public static AuthenticationBuilder AddApiTokens(this AuthenticationBuilder authentication, IConfiguration configuration)
    {
        var lifetime = configuration.GetValue("Api:TokenLifetime", TimeSpan.FromHours(1));
        return authentication
            .AddBearerToken(Scheme, o => o.BearerTokenExpiration = lifetime)
            .AddPolicyScheme(CookieOrToken, "Cookie or bearer token", o => o.ForwardDefaultSelector = http =>
                IsBearer(http.Request) ? Scheme : IdentityConstants.ApplicationScheme);
    }

    public static bool IsBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    /// <summary>A token whose user signed out, changed password or was deactivated since it was issued
    /// is refused with 401, on every request.</summary>
    public static IApplicationBuilder UseApiTokenChecks(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (IsBearer(http.Request) && http.User.Identity?.IsAuthenticated == true)
        {
            // The stamp and the membership in one query (the tenant middleware takes the membership from here).
            var access = await http.RequestServices.GetRequiredService<RequestAccess>().CheckAsync(http.User, http.RequestAborted);
            http.Items[RequestAccess.ItemKey] = access;
            if (!access.StampValid)
            {
                await ApiProblems.Write(http, StatusCodes.Status401Unauthorized, "TOKEN_REVOKED",
                    "This token is no longer valid: its user signed out, changed password or was deactivated. Ask for a new one.");
                return;
            }
        }
        await next(http);
    });

    public static void MapApiTokens(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/auth/token", IssueAsync)
            .WithMetadata(new SignInRateLimitedAttribute()) // password guessing is slowed as on the sign-in page
            .AllowAnonymous()
            .WithTags("Authentication")
            .WithSummary("A bearer token for one membership")
            .WithDescription("Send the token as `Authorization: Bearer …` and the tenant's slug as `X-Tenant-Id` on every /api/v1/kanban request.")
            .Accepts<TokenRequest>("application/json")
            .Produces<TokenResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    private static async Task<IResult> IssueAsync(HttpContext http, SignInGuard guard, SignInManager<AppUser> signIn, TenantResolver resolver,
        IOptionsMonitor<BearerTokenOptions> options, TimeProvider clock, ILogger<TokenRequest> logger)
    {
        var (body, problem) = await ApiProblems.ReadJsonAsync<TokenRequest>(http);
        if (problem is not null) return problem;
        if (string.IsNullOrWhiteSpace(body!.Email) || string.IsNullOrEmpty(body.Password) || string.IsNullOrWhiteSpace(body.Tenant))
            return ApiProblems.Result(StatusCodes.Status400BadRequest, "MISSING_FIELD", "Give email, password and tenant (the organisation's slug).");

        // One answer for an unknown email, a wrong password and a locked or deactivated account.
        var user = await guard.CheckAsync(http, body.Email.Trim(), body.Password);
        if (user is null)
            return ApiProblems.Result(StatusCodes.Status401Unauthorized, "INVALID_CREDENTIALS", "The email or password is not right.");
        // Not a member and no such organisation get the same answer: neither tells which tenants exist.
        var membership = (await resolver.MembershipsAsync(user.Id, http.RequestAborted))
            .FirstOrDefault(m => string.Equals(m.Slug, body.Tenant.Trim(), StringComparison.OrdinalIgnoreCase) || m.TenantId.ToString() == body.Tenant.Trim());
        if (membership is null)
            return ApiProblems.Result(StatusCodes.Status403Forbidden, "NOT_A_MEMBER", $"You are not a member of an organisation called '{body.Tenant}'.");

        var principal = await signIn.CreateUserPrincipalAsync(user);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(TenantSignIn.Claim(membership.TenantId));
        identity.AddClaim(new Claim(TokenIdClaim, Guid.NewGuid().ToString("N")));

        var settings = options.Get(Scheme);
        var expiresAt = clock.GetUtcNow() + settings.BearerTokenExpiration;
        var ticket = new AuthenticationTicket(principal, new AuthenticationProperties { IssuedUtc = clock.GetUtcNow(), ExpiresUtc = expiresAt }, Scheme);
        logger.LogInformation("API token issued to user {UserId} for tenant {Tenant}", user.Id, membership.Slug);
        return Results.Ok(new TokenResponse(settings.BearerTokenProtector.Protect(ticket), expiresAt, "Bearer", membership.Slug, membership.Role.ToString()));
    }
}

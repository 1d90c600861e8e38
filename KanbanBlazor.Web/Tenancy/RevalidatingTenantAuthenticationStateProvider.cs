using System.Security.Claims;
using KanbanBlazor.Web.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// A circuit can outlive the sign-in it started with. Every 30 seconds this checks that the user
/// still exists, has not had their security stamp changed (password change, forced sign-out), and is
/// still a member of the circuit's tenant; if not, the circuit's user becomes anonymous and the
/// page's authorization sends them to sign in. A sign-out on this instance is pushed at once.
/// </summary>
public sealed class RevalidatingTenantAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState Anonymous = new(new ClaimsPrincipal(new ClaimsIdentity()));
    private readonly IServiceScopeFactory scopes;
    private readonly TenantResolver resolver;
    private readonly IOptions<IdentityOptions> identityOptions;
    private readonly SessionRevocations revocations;

    public RevalidatingTenantAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, TenantResolver resolver,
        IOptions<IdentityOptions> identityOptions, SessionRevocations revocations) : base(loggerFactory)
    {
        this.scopes = scopes;
        this.resolver = resolver;
        this.identityOptions = identityOptions;
        this.revocations = revocations;
        revocations.Revoked += OnRevoked;
    }

    // The fallback for changes this instance is not told of; sign-out on this instance is pushed.
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    private async void OnRevoked(Guid userId)
    {
        try
        {
            if ((await GetAuthenticationStateAsync()).User.UserId() == userId) SetAuthenticationState(Task.FromResult(Anonymous));
        }
        catch (Exception)
        {
            // The circuit is going away anyway; a revocation must never throw into the publisher.
        }
    }

    protected override void Dispose(bool disposing)
    {
        revocations.Revoked -= OnRevoked;
        base.Dispose(disposing);
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        var principal = state.User;
        if (principal.UserId() is not { } userId) return false;
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null) return false;
        if (users.SupportsUserSecurityStamp &&
            principal.FindFirstValue(identityOptions.Value.ClaimsIdentity.SecurityStampClaimType) != await users.GetSecurityStampAsync(user))
            return false;
        return await resolver.ResolveAsync(principal, ct) is not null;
    }
}

using System.Security.Claims;
using KanbanBlazor.Web.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// A circuit can outlive the sign-in it started with. Every few minutes this checks that the user
/// still exists, has not had their security stamp changed (password change, forced sign-out), and is
/// still a member of the circuit's tenant; if not, the circuit's user becomes anonymous and the
/// page's authorization sends them to sign in.
/// </summary>
public sealed class RevalidatingTenantAuthenticationStateProvider(
    ILoggerFactory loggerFactory,
    IServiceScopeFactory scopes,
    TenantResolver resolver,
    IOptions<IdentityOptions> identityOptions)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(5);

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

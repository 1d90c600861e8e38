using System.Security.Claims;
using KanbanBlazor.Web.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// A circuit can outlive the sign-in it started with. When told of an access change for its user
/// (<see cref="AccessChanges"/>: pushed from PostgreSQL as it commits) and every 30 seconds besides,
/// this checks that the user still exists and has not had their security stamp changed (sign-out,
/// password change, deactivation); if not, the circuit's user becomes anonymous and the page's
/// authorization sends them to sign in. Membership of the circuit's tenant is the board's concern
/// (<see cref="Features.Board.BoardAccessWatcher"/>): a removed member stays signed in and is told.
/// </summary>
public sealed class RevalidatingTenantAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState Anonymous = new(new ClaimsPrincipal(new ClaimsIdentity()));
    private readonly IServiceScopeFactory scopes;
    private readonly IOptions<IdentityOptions> identityOptions;
    private readonly AccessChanges changes;

    public RevalidatingTenantAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes,
        IOptions<IdentityOptions> identityOptions, AccessChanges changes) : base(loggerFactory)
    {
        this.scopes = scopes;
        this.identityOptions = identityOptions;
        this.changes = changes;
        changes.Changed += OnAccessChanged;
    }

    // The fallback for a change this instance was not told of; changes are pushed.
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    private async void OnAccessChanged(AccessChange change)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.UserId() is not { } userId || !change.Concerns(userId)) return;
            if (!await ValidateAuthenticationStateAsync(state, CancellationToken.None)) SetAuthenticationState(Task.FromResult(Anonymous));
        }
        catch (Exception)
        {
            // The circuit is going away, or the database is: the periodic check tries again.
        }
    }

    protected override void Dispose(bool disposing)
    {
        changes.Changed -= OnAccessChanged;
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
        return true;
    }
}

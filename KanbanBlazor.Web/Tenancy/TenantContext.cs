using Microsoft.AspNetCore.Components.Authorization;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// The tenant of this request or circuit (a scoped service). In a request the middleware resolves it
/// from the cookie's principal; in a circuit it is resolved once from the circuit's authentication
/// state and then stays fixed for the circuit's life: switching tenant starts a new circuit.
/// </summary>
public sealed class TenantContext(TenantResolver resolver, IServiceProvider services)
{
    private CurrentTenant? current;

    public void Set(CurrentTenant tenant) => current ??= tenant;

    /// <summary>The current tenant, or <see cref="TenantNotFoundException"/> when the user is not a member of one.</summary>
    public async Task<CurrentTenant> GetAsync(CancellationToken ct = default)
    {
        if (current is not null) return current;
        var authentication = services.GetService<AuthenticationStateProvider>();
        if (authentication is null) throw new TenantNotFoundException();
        var state = await authentication.GetAuthenticationStateAsync();
        current ??= await resolver.ResolveAsync(state.User, ct) ?? throw new TenantNotFoundException();
        return current;
    }
}

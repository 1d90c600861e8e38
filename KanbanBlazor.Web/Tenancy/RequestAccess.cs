using System.Security.Claims;
using KanbanBlazor.Core.Access;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// What an API request needs to know of its caller, read fresh on every request in one round trip:
/// whether the token's security stamp is still the user's (a sign-out, password change or deactivation
/// since it was issued ends it), and the user's membership of the token's tenant. Nothing is cached,
/// so a revocation takes effect on the very next request; it replaces two Entity Framework queries (the
/// stamp check of Identity's <see cref="SignInManager{TUser}"/> and <see cref="TenantResolver"/>),
/// which cost an API move as much CPU as the move itself. Runs as the identity role, under its
/// row-level security, like the queries it replaces.
/// </summary>
public sealed class RequestAccess(RequestAccess.IdentitySource identity, IOptions<IdentityOptions> options)
{
    /// <summary>The identity role's own data source (pooled; the app's other pools are Entity Framework's).</summary>
    public sealed class IdentitySource(string connectionString) : IAsyncDisposable
    {
        public NpgsqlDataSource Source { get; } = NpgsqlDataSource.Create(connectionString);

        public ValueTask DisposeAsync() => Source.DisposeAsync();
    }

    /// <summary>The HttpContext item holding a request's <see cref="Checked"/>, for the tenant middleware.</summary>
    public const string ItemKey = "kb.request-access";

    /// <param name="StampValid">the token's security stamp is the user's current one (false also when there is no such user)</param>
    /// <param name="Membership">the user's active membership of the token's tenant, or null</param>
    public sealed record Checked(bool StampValid, CurrentTenant? Membership);

    public async Task<Checked> CheckAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.UserId() is not { } userId) return new Checked(false, null);
        var stamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        var tenantId = principal.SelectedTenantId();
        await using var command = identity.Source.CreateCommand("""
            SELECT u.security_stamp, m.tenant_id, t.slug, t.name, m.display_name, m.role
            FROM users u
            LEFT JOIN tenant_memberships m ON m.user_id = u.id AND m.tenant_id = @tenant AND m.deactivated_at IS NULL
            LEFT JOIN tenants t ON t.id = m.tenant_id
            WHERE u.id = @user
            """);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("tenant", (object?)tenantId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return new Checked(false, null);
        var current = reader.IsDBNull(0) ? null : reader.GetString(0);
        // As Identity's own check: the stamp in the token must be the user's current one.
        if (current != stamp) return new Checked(false, null);
        if (reader.IsDBNull(1) || !TenantRoles.TryParse(reader.GetString(5), out var role)) return new Checked(true, null);
        return new Checked(true, new CurrentTenant(reader.GetGuid(1), reader.GetString(2), reader.GetString(3), userId, reader.GetString(4), role));
    }
}

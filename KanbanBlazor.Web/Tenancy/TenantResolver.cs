using System.Security.Claims;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>Looks up memberships: the one source of truth for which tenants a user may act in, and how.</summary>
public sealed class TenantResolver(IDbContextFactory<AccountsDbContext> factory)
{
    public async Task<CurrentTenant?> ResolveAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (principal.UserId() is not { } userId || principal.SelectedTenantId() is not { } tenantId) return null;
        return await FindMembershipAsync(userId, tenantId, ct);
    }

    public async Task<CurrentTenant?> FindMembershipAsync(Guid userId, Guid tenantId, CancellationToken ct) =>
        (await MembershipsAsync(userId, ct)).FirstOrDefault(m => m.TenantId == tenantId);

    /// <summary>Every tenant the user belongs to, by name.</summary>
    public async Task<IReadOnlyList<CurrentTenant>> MembershipsAsync(Guid userId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.DeactivatedAt == null)
            .Join(db.Tenants, m => m.TenantId, t => t.Id, (m, t) => new { m.TenantId, t.Slug, t.Name, m.DisplayName, m.Role })
            .OrderBy(r => r.Name)
            .ToListAsync(ct);
        return rows
            .Select(r => TenantRoles.TryParse(r.Role, out var role)
                ? new CurrentTenant(r.TenantId, r.Slug, r.Name, userId, r.DisplayName, role)
                : null)
            .OfType<CurrentTenant>()
            .ToList();
    }
}

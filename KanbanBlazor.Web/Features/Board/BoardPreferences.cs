using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Which stages a user collapsed on a board, kept for them in the database so that their boards open
/// the same way on every device (a cookie carries it too, so that a page request renders it at once).
/// </summary>
public sealed class BoardPreferences(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock)
{
    /// <summary>The user's collapsed stages on the board; null when they never chose any.</summary>
    public async Task<IReadOnlySet<string>?> CollapsedAsync(CurrentTenant user, string entityType, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(user.TenantId, ct);
        var stored = await db.BoardPreferences.AsNoTracking()
            .Where(p => p.UserId == user.UserId && p.EntityType == entityType).Select(p => p.CollapsedStages).FirstOrDefaultAsync(ct);
        return stored is null ? null : stored.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
    }

    /// <summary>Remembers the user's collapsed stages on the board (the last choice wins).</summary>
    public async Task RememberAsync(CurrentTenant user, string entityType, IEnumerable<string> collapsed, CancellationToken ct)
    {
        var value = string.Join(',', collapsed.Order(StringComparer.Ordinal));
        if (value.Length > 2000) return;
        await using var db = await factory.CreateForTenantAsync(user.TenantId, ct);
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO board_preferences (tenant_id, user_id, entity_type, collapsed_stages, updated_at) VALUES ({0}, {1}, {2}, {3}, {4})
            ON CONFLICT (tenant_id, user_id, entity_type) DO UPDATE SET collapsed_stages = excluded.collapsed_stages, updated_at = excluded.updated_at
            """, [user.TenantId, user.UserId, entityType, value, clock.GetUtcNow()], ct);
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

public enum LockOutcome
{
    Held,
    Released,
    HeldByOther,
    NotHeld,
    CardNotFound,
    NotPermitted,
}

/// <param name="HolderName">who holds it (when held by another)</param>
public sealed record LockResult(LockOutcome Outcome, Guid? HolderId = null, string? HolderName = null, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// Pessimistic edit locks on cards: 30 seconds, renewed by taking the lock again. Taking it is one
/// upsert that succeeds only when the lock is free, expired or already the taker's, so two people
/// racing for one card cannot both get it. An expired lock is no lock: it is ignored at once and its
/// row is cleared by the next lock taken in that tenant.
/// </summary>
public sealed class EditLocks(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock)
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    public async Task<LockResult> AcquireAsync(CurrentTenant tenant, string entityType, Guid cardId, CancellationToken ct)
    {
        if (tenant.Role == TenantRole.Viewer) return new LockResult(LockOutcome.NotPermitted);
        var now = clock.GetUtcNow();
        var expiresAt = now + Duration;
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await db.Cards.AnyAsync(c => c.Id == cardId && c.EntityType == entityType, ct)) return new LockResult(LockOutcome.CardNotFound);
        await db.Locks.Where(l => l.ExpiresAt <= now && !(l.EntityType == entityType && l.EntityId == cardId)).ExecuteDeleteAsync(ct);

        var taken = await db.Database.SqlQuery<Guid>($"""
            INSERT INTO kanban_locks (tenant_id, entity_type, entity_id, user_id, acquired_at, expires_at)
            VALUES ({tenant.TenantId}, {entityType}, {cardId}, {tenant.UserId}, {now}, {expiresAt})
            ON CONFLICT (tenant_id, entity_type, entity_id) DO UPDATE
               SET user_id = excluded.user_id, expires_at = excluded.expires_at,
                   acquired_at = CASE WHEN kanban_locks.user_id = excluded.user_id THEN kanban_locks.acquired_at ELSE excluded.acquired_at END
             WHERE kanban_locks.user_id = excluded.user_id OR kanban_locks.expires_at <= {now}
            RETURNING user_id AS "Value"
            """).ToListAsync(ct);
        if (taken.Count == 1)
        {
            await tx.CommitAsync(ct);
            return new LockResult(LockOutcome.Held, tenant.UserId, tenant.UserDisplayName, expiresAt);
        }
        var holder = await HolderAsync(db, entityType, cardId, now, ct);
        await tx.CommitAsync(ct);
        return holder ?? new LockResult(LockOutcome.NotHeld);
    }

    public async Task<LockResult> ReleaseAsync(CurrentTenant tenant, string entityType, Guid cardId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        if (!await db.Cards.AnyAsync(c => c.Id == cardId && c.EntityType == entityType, ct)) return new LockResult(LockOutcome.CardNotFound);
        var released = await db.Locks.Where(l => l.EntityType == entityType && l.EntityId == cardId && l.UserId == tenant.UserId).ExecuteDeleteAsync(ct);
        if (released > 0) return new LockResult(LockOutcome.Released);
        return await HolderAsync(db, entityType, cardId, now, ct) ?? new LockResult(LockOutcome.NotHeld);
    }

    /// <summary>Who holds the card's lock now (null: nobody; an expired lock is nobody's).</summary>
    public async Task<LockResult?> HolderAsync(CurrentTenant tenant, string entityType, Guid cardId, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        return await HolderAsync(db, entityType, cardId, clock.GetUtcNow(), ct);
    }

    private static async Task<LockResult?> HolderAsync(KanbanDbContext db, string entityType, Guid cardId, DateTimeOffset now, CancellationToken ct)
    {
        var held = await db.Locks.AsNoTracking()
            .Where(l => l.EntityType == entityType && l.EntityId == cardId && l.ExpiresAt > now)
            .Select(l => new { l.UserId, l.ExpiresAt, Name = db.Members.Where(m => m.UserId == l.UserId).Select(m => m.DisplayName).FirstOrDefault() })
            .FirstOrDefaultAsync(ct);
        return held is null ? null : new LockResult(LockOutcome.HeldByOther, held.UserId, held.Name ?? "Someone", held.ExpiresAt);
    }
}

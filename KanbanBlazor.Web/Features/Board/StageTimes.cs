using System.Collections.Concurrent;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Each stage's usual time (the 85th percentile of finished stays, from the board's log), so that a
/// card older than that in its stage is marked on the board. Worked out in PostgreSQL (one pass over
/// the board's moves) and kept for a few minutes per board: it moves slowly, and a board's viewers ask
/// for it each time they open it.
/// </summary>
public sealed class StageTimes(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock)
{
    public static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<(Guid Tenant, string EntityType), (DateTimeOffset At, IReadOnlyDictionary<string, StageUsualTime> Times)> kept = new();

    private sealed record Row(string Stage, double P85Seconds, int Stays);

    public async Task<IReadOnlyDictionary<string, StageUsualTime>> UsualAsync(Guid tenantId, string entityType, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (kept.TryGetValue((tenantId, entityType), out var known) && now - known.At < KeptFor) return known.Times;
        await using var db = await factory.CreateForTenantAsync(tenantId, ct);
        // A stay runs from a card's entering a stage (created in it, or moved in from another) to its next such entry.
        var rows = await db.Database.SqlQueryRaw<Row>("""
            WITH entries AS (
                SELECT to_stage, created_at,
                       lead(created_at) OVER (PARTITION BY entity_id ORDER BY sequence) AS left_at
                FROM kanban_moves
                WHERE entity_type = {0} AND event_type IN ('CardMoved', 'CardCreated') AND from_stage IS DISTINCT FROM to_stage
            )
            SELECT to_stage AS "Stage",
                   percentile_cont(0.85) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - created_at))::float8 AS "P85Seconds",
                   count(*)::int AS "Stays"
            FROM entries WHERE left_at IS NOT NULL GROUP BY to_stage
            """, entityType).ToListAsync(ct);
        var times = rows.ToDictionary(r => r.Stage, r => new StageUsualTime(TimeSpan.FromSeconds(r.P85Seconds), r.Stays));
        kept[(tenantId, entityType)] = (now, times);
        return times;
    }
}

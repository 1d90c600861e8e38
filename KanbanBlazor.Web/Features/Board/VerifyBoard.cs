using KanbanBlazor.Core.Consistency;
using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <param name="ReplayedFrom">the snapshot the log was replayed from (null: the board has none yet)</param>
public sealed record ConsistencyReport(string EntityType, long Sequence, int Cards, int Events, IReadOnlyList<Drift> Drift, SnapshotInfo? ReplayedFrom = null)
{
    public bool IsConsistent => Drift.Count == 0;
}

/// <summary>Reads a board, its cards and its event log in one snapshot and checks them against each
/// other (<see cref="BoardConsistency"/>), and the board against its latest snapshot replayed through
/// the log since.</summary>
public sealed class VerifyBoard(IDbContextFactory<KanbanDbContext> factory)
{
    /// <returns>null when the tenant has no such board</returns>
    public async Task<ConsistencyReport?> ExecuteAsync(Guid tenantId, string entityType, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var sequence = await db.BoardConfigs.Where(c => c.EntityType == entityType).Select(c => (long?)c.Sequence).SingleOrDefaultAsync(ct);
        if (sequence is null) return null;
        var cards = await db.Cards.AsNoTracking().Where(c => c.EntityType == entityType)
            .Select(c => new StoredCard(c.Id, c.Stage, c.Position, c.Version)).ToListAsync(ct);
        var log = await BoardLog.PlacementsAsync(db, entityType, ct);
        var replay = await BoardSnapshots.ReplayLatestAsync(db, entityType, ct);
        await tx.CommitAsync(ct);
        var drift = BoardConsistency.Check(sequence.Value, cards, log).ToList();
        if (replay is { } replayed) drift.AddRange(BoardConsistency.CompareReplay(replayed.Board, cards));
        return new ConsistencyReport(entityType, sequence.Value, cards.Count, log.Count, drift, replay?.From);
    }
}

using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>A stored snapshot, as the API and the verifier describe it.</summary>
public sealed record SnapshotInfo(long Sequence, DateTimeOffset At, string Reason, long EventsSincePrevious);

public static class SnapshotReasons
{
    /// <summary>The first snapshot of a board, taken from the stored board (nothing earlier to replay from).</summary>
    public const string Baseline = "baseline";
    /// <summary>Every <c>Board:SnapshotEvery</c> events.</summary>
    public const string Scheduled = "scheduled";
    /// <summary>Asked for by an Admin.</summary>
    public const string Manual = "manual";
}

/// <summary>
/// Snapshots of boards (kanban_snapshots), so that replay and "board as of" start from the nearest one
/// instead of the beginning of the log. A snapshot is the previous snapshot replayed through the log
/// with the same projection live viewers use (so it is derived from the log, not copied from the
/// board); only a board's first snapshot, or one after log entries the log cannot rebuild, is taken
/// from the stored board itself ("baseline").
/// </summary>
public sealed class BoardSnapshots(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record State(IReadOnlyList<BoardStage> Stages, IReadOnlyList<BoardCard> Cards);

    public async Task<SnapshotInfo?> TakeAsync(Guid tenantId, string entityType, string reason, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var sequence = await db.BoardConfigs.Where(c => c.EntityType == entityType).Select(c => (long?)c.Sequence).SingleOrDefaultAsync(ct);
        if (sequence is null) return null;
        var latest = await db.Snapshots.AsNoTracking().Where(s => s.EntityType == entityType).OrderByDescending(s => s.Sequence).FirstOrDefaultAsync(ct);
        if (latest is not null && latest.Sequence >= sequence) return Info(latest);

        var replayed = latest is null ? null : await ReplayAsync(db, entityType, latest, null, ct);
        var board = replayed ?? await StoredAsync(db, entityType, null, ct);
        var at = await db.Moves.Where(m => m.EntityType == entityType && m.Sequence == sequence).Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync(ct)
            ?? clock.GetUtcNow();
        var snapshot = new StoredSnapshot
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            EntityType = entityType,
            Sequence = board.Sequence,
            At = at,
            State = JsonSerializer.Serialize(new State(board.Stages, [.. board.AllCards]), Json),
            EventsSincePrevious = board.Sequence - (latest?.Sequence ?? 0),
            Reason = replayed is null ? SnapshotReasons.Baseline : reason,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Snapshots.Add(snapshot);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Someone else took this very snapshot meanwhile.
        }
        return Info(snapshot);
    }

    /// <summary>The board's latest snapshot replayed through the log since, in the caller's transaction
    /// (the verifier's snapshot of the database).</summary>
    /// <returns>null when the board has no snapshot yet, or the log since it cannot be rebuilt</returns>
    public static async Task<(SnapshotInfo From, BoardSnapshot Board)?> ReplayLatestAsync(KanbanDbContext db, string entityType, CancellationToken ct)
    {
        var latest = await db.Snapshots.AsNoTracking().Where(s => s.EntityType == entityType).OrderByDescending(s => s.Sequence).FirstOrDefaultAsync(ct);
        if (latest is null) return null;
        var board = await ReplayAsync(db, entityType, latest, null, ct);
        return board is null ? null : (Info(latest), board);
    }

    /// <summary>
    /// The board as it was at <paramref name="at"/>: the latest snapshot from before then, replayed
    /// through the log up to that moment; or, when that is before the first snapshot, the nearest later
    /// state (a snapshot, or the board now) taken back through the log, each move undone to where it
    /// came from and each card created since left out.
    /// </summary>
    /// <returns>null when the tenant has no such board</returns>
    public async Task<BoardSnapshot?> AsOfAsync(CurrentTenant tenant, string entityType, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        if (!await db.BoardConfigs.AnyAsync(c => c.EntityType == entityType, ct)) return null;
        var before = await db.Snapshots.AsNoTracking().Where(s => s.EntityType == entityType && s.At <= at)
            .OrderByDescending(s => s.Sequence).FirstOrDefaultAsync(ct);
        if (before is not null && await ReplayAsync(db, entityType, before, at, ct) is { } forward) return forward;

        var after = await db.Snapshots.AsNoTracking().Where(s => s.EntityType == entityType && s.At > at)
            .OrderBy(s => s.Sequence).FirstOrDefaultAsync(ct);
        var board = after is null ? await StoredAsync(db, entityType, at, ct) : Restore(entityType, after);
        var rows = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == entityType && m.Sequence <= board.Sequence && m.CreatedAt > at)
            .OrderByDescending(m => m.Sequence).ToListAsync(ct);
        foreach (var row in rows) board = TakeBack(board, row);
        return board.At(await db.Moves.Where(m => m.EntityType == entityType && m.CreatedAt <= at).MaxAsync(m => (long?)m.Sequence, ct) ?? 0);
    }

    /// <summary>The board before the logged event: a move goes back where it came from (a card's first
    /// entry, from nowhere, leaves the board), a rebalance gives back the keys it replaced; other events
    /// leave the cards as they are.</summary>
    private static BoardSnapshot TakeBack(BoardSnapshot board, CardMove row)
    {
        if (row.EventType == BoardEventTypes.StageRebalanced && BoardLog.ToEvent(row, new Dictionary<Guid, string>()) is StageRebalanced rebalanced)
            return board.Rekeyed(rebalanced.Stage, rebalanced.Cards.Select(c => c with { ToPosition = c.FromPosition, FromPosition = c.ToPosition }).ToList());
        if (row.EventType == BoardEventTypes.CardCreated)
            return BoardProjection.Apply(board, board.Sequence, new CardDeleted(row.EntityId));
        if (row.EventType is BoardEventTypes.CardDeleted or BoardEventTypes.CardUpdated)
            return TakeBackEdit(board, row);
        if (row.EventType != BoardEventTypes.CardMoved || board.Find(row.EntityId) is not { } card) return board;
        if (row.FromStage is null) return BoardProjection.Apply(board, board.Sequence, new CardDeleted(card.Id));
        return BoardProjection.Apply(board, board.Sequence,
            new CardMoved(row.Id, card.Id, row.ToStage, row.FromStage, row.FromPosition ?? card.Position, Math.Max(1, card.Version - 1)));
    }

    /// <summary>Before a deletion the card was on the board as the deletion's row keeps it; before an edit it
    /// had each changed field's old value and the version before.</summary>
    private static BoardSnapshot TakeBackEdit(BoardSnapshot board, CardMove row)
    {
        using var metadata = JsonDocument.Parse(row.Metadata);
        var meta = metadata.RootElement;
        if (BoardLog.CardOf(row, meta, new Dictionary<Guid, string>()) is not { } logged) return board;
        if (row.EventType == BoardEventTypes.CardDeleted)
            return BoardProjection.Apply(board, board.Sequence, new CardCreated(logged));
        if (board.Find(row.EntityId) is not { } card) return board;
        var before = card with { Version = Math.Max(1, logged.Version - 1) };
        if (meta.TryGetProperty("changes", out var changes))
        {
            foreach (var change in changes.EnumerateArray())
            {
                var from = change.TryGetProperty("from", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                before = change.GetProperty("field").GetString() switch
                {
                    CardFields.Title => before with { Title = from ?? "" },
                    CardFields.Company => before with { Company = from },
                    CardFields.Value => before with { Value = from is null ? 0 : decimal.Parse(from, CultureInfo.InvariantCulture) },
                    CardFields.Currency => before with { Currency = from ?? "USD" },
                    CardFields.OwnerId => before with { OwnerId = from is null ? null : Guid.Parse(from), OwnerName = null },
                    CardFields.NextActionAt => before with { NextActionAt = from is null ? null : DateTimeOffset.Parse(from, CultureInfo.InvariantCulture) },
                    CardFields.NextActionDetails => before with { NextActionDetails = from },
                    CardFields.Probability => before with { Probability = from is null ? null : int.Parse(from, CultureInfo.InvariantCulture) },
                    _ => before,
                };
            }
        }
        return BoardProjection.Apply(board, board.Sequence, new CardUpdated(before, []));
    }

    /// <summary>The snapshot replayed through the log after it (up to <paramref name="until"/>, if given).</summary>
    private static async Task<BoardSnapshot?> ReplayAsync(KanbanDbContext db, string entityType, StoredSnapshot from, DateTimeOffset? until, CancellationToken ct)
    {
        var query = db.Moves.AsNoTracking().Where(m => m.EntityType == entityType && m.Sequence > from.Sequence);
        if (until is { } time) query = query.Where(m => m.CreatedAt <= time);
        var events = await BoardLog.RebuildAsync(db, await query.OrderBy(m => m.Sequence).ToListAsync(ct), ct);
        return events is null ? null : BoardProjection.Replay(Restore(entityType, from), events);
    }

    private static BoardSnapshot Restore(string entityType, StoredSnapshot snapshot)
    {
        var state = JsonSerializer.Deserialize<State>(snapshot.State, Json)!;
        return BoardSnapshot.Create(entityType, snapshot.Sequence, state.Stages, state.Cards);
    }

    /// <summary>The board as stored (only the cards that existed at <paramref name="createdBy"/>, if given).</summary>
    private static async Task<BoardSnapshot> StoredAsync(KanbanDbContext db, string entityType, DateTimeOffset? createdBy, CancellationToken ct)
    {
        var config = await db.BoardConfigs.AsNoTracking().Include(c => c.Stages).SingleAsync(c => c.EntityType == entityType, ct);
        var owners = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var cards = db.Cards.AsNoTracking().Where(c => c.EntityType == entityType);
        if (createdBy is { } time) cards = cards.Where(c => c.CreatedAt <= time);
        return BoardSnapshot.Create(entityType, config.Sequence, config.Stages.OrderBy(s => s.Position).Select(LoadBoard.ToBoardStage),
            (await cards.ToListAsync(ct)).Select(c => LoadBoard.ToBoardCard(c, owners)));
    }

    private static SnapshotInfo Info(StoredSnapshot s) => new(s.Sequence, s.At, s.Reason, s.EventsSincePrevious);
}

/// <summary>
/// Takes a scheduled snapshot of a board every <c>Board:SnapshotEvery</c> events (default 200), in
/// the background after the commit that crossed the mark, so that no write waits for it.
/// </summary>
public sealed class SnapshotScheduler(BoardSnapshots snapshots, IConfiguration configuration, ILogger<SnapshotScheduler> logger) : BackgroundService
{
    private readonly Channel<(Guid TenantId, string EntityType)> due = Channel.CreateBounded<(Guid, string)>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropWrite });

    public long Every { get; } = Math.Max(1, configuration.GetValue("Board:SnapshotEvery", 200L));

    /// <summary>Called after a commit numbered <paramref name="first"/> to <paramref name="last"/>.</summary>
    public void Committed(Guid tenantId, string entityType, long first, long last)
    {
        if ((first - 1) / Every != last / Every) due.Writer.TryWrite((tenantId, entityType));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (tenantId, entityType) in due.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                var taken = await snapshots.TakeAsync(tenantId, entityType, SnapshotReasons.Scheduled, stoppingToken);
                logger.LogInformation("Snapshot of board {EntityType} of tenant {TenantId} at {Sequence} ({Reason})", entityType, tenantId, taken?.Sequence, taken?.Reason);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Taking a snapshot of board {EntityType} of tenant {TenantId} failed; the next mark tries again", entityType, tenantId);
            }
        }
    }
}

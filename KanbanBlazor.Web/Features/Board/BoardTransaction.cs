using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// The one way a board changes. Every write use case runs inside it: it opens the tenant's context,
/// re-reads the actor's membership (a removal or demotion applies to the very next write), locks the
/// board's configuration row (writes to one board commit one at a time), hands the use case the
/// board and its stages, numbers the events the use case appends with the board's next sequence
/// numbers, saves and commits them with the use case's row changes, and only then publishes them to
/// the board's viewers, here and, through PostgreSQL, on every other instance (<see cref="BoardRelay"/>).
/// It is the only caller of <see cref="BoardHub.Publish"/> but for the relay. A use case that
/// appends nothing (a refusal) writes nothing and uses no number.
///
/// Writes to one board are queued and run by one writer at a time, which takes every write waiting
/// when it starts (up to <see cref="MaxBatch"/>) into the same transaction: one membership read, one
/// board lock and one commit for them all, each write still checked and numbered in turn against the
/// writer's copy of the board, so a later one sees what an earlier one did (a WIP count, a card's
/// version). Their rows are written together with the commit (<see cref="BoardCommit"/>), or flushed
/// earlier for a write that queries the database. The caller's task ends only after the commit:
/// nothing is acknowledged before it is durable. A write alone is run at once; a batch that fails is
/// run again one write at a time, so one write's error is only its own.
/// </summary>
public sealed class BoardTransaction(IDbContextFactory<KanbanDbContext> factory, BoardHub hub, TimeProvider clock, SnapshotScheduler? snapshots = null,
    SharedBoards? shared = null, Metrics.MetricsProjector? metrics = null, BoardRelay? relay = null)
{
    /// <summary>At most this many writes share one transaction.</summary>
    public const int MaxBatch = 32;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid TenantId, string EntityType), BoardQueue> queues = new();
    private long commits;
    private long committedWrites;

    /// <summary>Transactions committed so far, and the writes they carried (for operators: writes per commit).</summary>
    public (long Commits, long Writes) Committed => (Interlocked.Read(ref commits), Interlocked.Read(ref committedWrites));

    /// <param name="readsSnapshotOnly">the write reads the board only from <see cref="BoardWrite.Snapshot"/> (it calls
    /// <see cref="BoardWrite.FlushAsync"/> before any query): the batch's earlier writes need not be flushed for it</param>
    public Task<BoardWriteOutcome<T>> ExecuteAsync<T>(CurrentTenant actor, string entityType, Guid originId, string source,
        Func<BoardWrite, Task<T>> write, CancellationToken ct, bool readsSnapshotOnly = false)
    {
        ct.ThrowIfCancellationRequested();
        var pending = new PendingWrite<T>(actor, originId, source, write) { ReadsSnapshotOnly = readsSnapshotOnly };
        var queue = queues.GetOrAdd((actor.TenantId, entityType), key => new BoardQueue(key.TenantId, key.EntityType));
        if (queue.Enqueue(pending)) _ = Task.Run(() => DrainAsync(queue), CancellationToken.None);
        return pending.Task;
    }

    private async Task DrainAsync(BoardQueue queue)
    {
        while (queue.TakeBatch() is { Count: > 0 } batch)
        {
            try
            {
                await RunAsync(queue, batch);
            }
            catch (Exception) when (batch.Count > 1)
            {
                // Each on its own, so that the write that failed fails alone.
                foreach (var write in batch)
                {
                    try
                    {
                        await RunAsync(queue, [write]);
                    }
                    catch (Exception ex)
                    {
                        write.Fail(ex);
                    }
                }
            }
            catch (Exception ex)
            {
                batch[0].Fail(ex);
            }
        }
    }

    private async Task RunAsync(BoardQueue queue, IReadOnlyList<PendingWrite> batch)
    {
        var (tenantId, entityType) = (queue.TenantId, queue.EntityType);
        // Until this batch commits, the writer's copy of the board is not to be trusted.
        var (known, knownStages) = (queue.Known, queue.KnownStages);
        (queue.Known, queue.KnownStages) = (null, null);
        await using var db = await factory.CreateForTenantAsync(tenantId, CancellationToken.None);
        // A batch that fails is run again write by write, so a savepoint per flush would buy nothing.
        db.Database.AutoSavepointsEnabled = false;
        var (tx, roles, config) = await BeginAsync(db, tenantId, entityType, batch.Select(w => w.Actor.UserId).Distinct().ToArray());
        await using var _ = tx;
        // The stages change only by a logged event, so with the copy current they are current too.
        var stages = config is null ? []
            : known?.Sequence == config.Sequence && knownStages is not null ? knownStages
            : await db.Stages.AsNoTracking().Where(s => s.BoardConfigId == config.Id).OrderBy(s => s.Position).ToListAsync(CancellationToken.None);
        // The writer's copy of the board is current when nobody else (another instance) wrote since it
        // was taken: same sequence, read under the lock. Otherwise it is read again, once.
        if (config is not null && known?.Sequence != config.Sequence)
            known = shared?.At(tenantId, entityType, config.Sequence)
                ?? await LoadBoard.ReadAsync(db, entityType, config.Sequence, stages, CancellationToken.None);

        var done = new List<(PendingWrite Write, object? Result, IReadOnlyList<SequencedEvent> Events, bool NotMember, bool NoBoard)>();
        var boards = new List<BoardSnapshot>();
        foreach (var write in batch)
        {
            if (!roles.TryGetValue(write.Actor.UserId, out var role) || !TenantRoles.TryParse(role, out var currentRole))
            {
                done.Add((write, null, [], true, false));
                continue;
            }
            if (config is null)
            {
                done.Add((write, null, [], false, true));
                continue;
            }
            var board = new BoardWrite(db, write.Actor with { Role = currentRole }, config, stages, clock.GetUtcNow(), write.Source, write.ClientAddress)
            {
                Snapshot = known!,
            };
            // A write that may query the database first sees what the earlier writes of the batch did.
            if (!write.ReadsSnapshotOnly) await FlushAsync(db);
            var changedBefore = Changed(db);
            var result = await write.RunAsync(board);
            if (board.Appended.Count == 0)
            {
                if (Changed(db) != changedBefore)
                    throw new InvalidOperationException("A board write changed rows without appending an event; nothing of it is saved.");
                done.Add((write, result, [], false, false));
                continue;
            }
            var events = new List<SequencedEvent>();
            foreach (var (change, row) in board.Appended)
            {
                config.Sequence++;
                events.Add(new SequencedEvent(config.Sequence, change));
                if (row is not null)
                {
                    row.Sequence = config.Sequence;
                    db.Moves.Add(row);
                }
            }
            config.UpdatedAt = board.Now;
            // The board after each event, shared with every viewer that hears it.
            for (var i = 0; i < events.Count; i++)
            {
                known = BoardProjection.Apply(known!, events[i].Sequence, events[i].Event);
                boards.Add(known);
            }
            // Flushed, not committed: the next write of the batch sees the new stages.
            if (board.Appended.Any(a => a.Event is BoardConfigured))
            {
                await FlushAsync(db);
                stages = await db.Stages.AsNoTracking().Where(s => s.BoardConfigId == config.Id).OrderBy(s => s.Position).ToListAsync(CancellationToken.None);
            }
            done.Add((write, result, events, false, false));
        }
        if (done.Any(d => d.Events.Count > 0))
        {
            // Other instances hear of the commit from PostgreSQL, as it commits (BoardRelay).
            var numbers = done.SelectMany(d => d.Events).Select(e => e.Sequence).ToList();
            tx.Notice = relay?.NoticeFor(tenantId, entityType, numbers.Min(), numbers.Max());
            await BoardCommit.WriteAndCommitAsync(db, tx);
            Interlocked.Increment(ref commits);
            Interlocked.Add(ref committedWrites, done.Count(d => d.Events.Count > 0));
        }
        (queue.Known, queue.KnownStages) = (known, stages);

        var published = done.SelectMany(d => d.Events.Select(e => (d.Write, Event: e))).ToList();
        if (known is not null && published.Count > 0) shared?.Offer(tenantId, known);
        for (var i = 0; i < published.Count; i++)
        {
            var (write, committed) = published[i];
            hub.Publish(new BoardChange(tenantId, entityType, committed.Sequence, committed.Event, write.OriginId) { Board = boards[i] });
        }
        if (published.Count > 0)
        {
            Operations.KanbanTelemetry.EventsPublished.Add(published.Count);
            snapshots?.Committed(tenantId, entityType, published[0].Event.Sequence, published[^1].Event.Sequence);
            metrics?.Committed(tenantId, entityType);
        }
        foreach (var (write, result, events, notMember, noBoard) in done) write.Complete(result, events, notMember, noBoard);
    }

    /// <summary>Writes what is tracked so far (not committed), so that a query in the transaction sees it.</summary>
    internal static async Task FlushAsync(KanbanDbContext db, CancellationToken ct = default)
    {
        if (db.ChangeTracker.HasChanges()) await db.SaveChangesAsync(ct);
    }

    /// <summary>How many tracked rows are to be written.</summary>
    private static int Changed(KanbanDbContext db) => db.ChangeTracker.Entries().Count(e => e.State is not EntityState.Unchanged and not EntityState.Detached);

    /// <summary>
    /// Opens the transaction and, in one round trip, sets the tenant for it (transaction-local, so it
    /// ends with the commit), re-reads the actors' memberships and locks the board's configuration row
    /// (writes to one board commit one at a time, each taking the next sequence numbers). The row is
    /// attached to the context, so the use cases' changes to it are saved with theirs.
    /// The BEGIN is the batch's first statement, not Npgsql's own: Npgsql sends its BEGIN as a query of its
    /// own, which PostgreSQL answers apart from the batch, and on this machine a reply in two parts
    /// stalled the writer about 40 ms at every move (the second part's wake-up came late). One batch
    /// is one answer.
    /// </summary>
    private static async Task<(BoardDbTransaction Transaction, Dictionary<Guid, string> Roles, BoardConfig? Config)> BeginAsync(
        KanbanDbContext db, Guid tenantId, string entityType, Guid[] actors)
    {
        // Opened here rather than by EF, so the connection interceptor's own round trip is not needed.
        var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(CancellationToken.None);
        // EF must not open transactions of its own inside this one (SaveChanges would otherwise begin one).
        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        var tx = new BoardDbTransaction(connection);
        try
        {
            await using var batch = new Npgsql.NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new("BEGIN ISOLATION LEVEL READ COMMITTED"),
                    new($"SELECT set_config('{TenantConnectionInterceptor.Setting}', $1, true)") { Parameters = { new() { Value = tenantId.ToString() } } },
                    new("SELECT user_id, role FROM tenant_memberships WHERE user_id = ANY($1) AND deactivated_at IS NULL") { Parameters = { new() { Value = actors } } },
                    new("""
                        SELECT id, version, sequence, allowed_transitions::text, work_started_stage, updated_at
                        FROM kanban_configs WHERE tenant_id = $1 AND entity_type = $2 FOR UPDATE
                        """) { Parameters = { new() { Value = tenantId }, new() { Value = entityType } } },
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(CancellationToken.None);
            await RowsAsync(reader, "set_config", first: true);
            await RowsAsync(reader, "user_id");
            var roles = new Dictionary<Guid, string>();
            while (await reader.ReadAsync(CancellationToken.None)) roles[reader.GetGuid(0)] = reader.GetString(1);
            await RowsAsync(reader, "id");
            BoardConfig? config = null;
            if (await reader.ReadAsync(CancellationToken.None))
            {
                config = new BoardConfig
                {
                    Id = reader.GetGuid(0), TenantId = tenantId, EntityType = entityType, Version = reader.GetInt32(1), Sequence = reader.GetInt64(2),
                    AllowedTransitions = reader.IsDBNull(3) ? null : reader.GetString(3),
                    WorkStartedStage = reader.IsDBNull(4) ? null : reader.GetString(4),
                    UpdatedAt = reader.GetFieldValue<DateTimeOffset>(5),
                };
            }
            await reader.DisposeAsync();
            if (config is not null) db.BoardConfigs.Attach(config);
            return (tx, roles, config);
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    /// <summary>Moves the reader to the next result with rows of <paramref name="column"/> (a statement
    /// without rows, such as BEGIN, may or may not count as a result of its own).</summary>
    private static async Task RowsAsync(Npgsql.NpgsqlDataReader reader, string column, bool first = false)
    {
        var moved = first;
        while (!moved || reader.FieldCount == 0 || reader.GetName(0) != column)
        {
            if (!await reader.NextResultAsync(CancellationToken.None)) throw new InvalidOperationException($"The batch has no result for {column}.");
            moved = true;
        }
    }

    /// <summary>The writes waiting for one board, and whether its writer is running.</summary>
    private sealed class BoardQueue(Guid tenantId, string entityType)
    {
        private readonly Queue<PendingWrite> waiting = new();
        private bool running;

        public Guid TenantId { get; } = tenantId;
        public string EntityType { get; } = entityType;
        /// <summary>The board as of its latest commit by this writer (only its writer reads or sets it).</summary>
        public BoardSnapshot? Known { get; set; }
        /// <summary>The board's stages as of the same commit.</summary>
        public List<Stage>? KnownStages { get; set; }

        /// <returns>true when the caller must start the writer</returns>
        public bool Enqueue(PendingWrite write)
        {
            lock (waiting)
            {
                waiting.Enqueue(write);
                if (running) return false;
                running = true;
                return true;
            }
        }

        /// <summary>Every write waiting now (up to <see cref="MaxBatch"/>); empty, and the writer stops, when none.</summary>
        public List<PendingWrite> TakeBatch()
        {
            lock (waiting)
            {
                var batch = new List<PendingWrite>(Math.Min(waiting.Count, MaxBatch));
                while (batch.Count < MaxBatch && waiting.TryDequeue(out var write)) batch.Add(write);
                if (batch.Count == 0) running = false;
                return batch;
            }
        }
    }

    private abstract class PendingWrite(CurrentTenant actor, Guid originId, string source)
    {
        public CurrentTenant Actor { get; } = actor;
        public Guid OriginId { get; } = originId;
        public string Source { get; } = source;
        /// <summary>Where the write came from, as known where it was asked for (it runs on the board's writer).</summary>
        public string? ClientAddress { get; } = Board.ClientAddress.Current;
        public bool ReadsSnapshotOnly { get; init; }

        public abstract Task<object?> RunAsync(BoardWrite board);
        public abstract void Complete(object? result, IReadOnlyList<SequencedEvent> events, bool notMember, bool noBoard);
        public abstract void Fail(Exception error);
    }

    private sealed class PendingWrite<T>(CurrentTenant actor, Guid originId, string source, Func<BoardWrite, Task<T>> write)
        : PendingWrite(actor, originId, source)
    {
        private readonly TaskCompletionSource<BoardWriteOutcome<T>> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<BoardWriteOutcome<T>> Task => completion.Task;

        public override async Task<object?> RunAsync(BoardWrite board) => await write(board);

        public override void Complete(object? result, IReadOnlyList<SequencedEvent> events, bool notMember, bool noBoard) =>
            completion.TrySetResult(notMember ? BoardWriteOutcome<T>.NotMember
                : noBoard ? BoardWriteOutcome<T>.NoBoard
                : new BoardWriteOutcome<T>((T?)result, events));

        public override void Fail(Exception error) => completion.TrySetException(error);
    }
}

/// <summary>What a use case works with inside <see cref="BoardTransaction"/>.</summary>
public sealed class BoardWrite(KanbanDbContext db, CurrentTenant actor, BoardConfig config, IReadOnlyList<Stage> stages, DateTimeOffset now, string source,
    string? clientAddress = null)
{
    private readonly List<(BoardEvent Event, CardMove? Row)> appended = [];

    public KanbanDbContext Db { get; } = db;
    /// <summary>The actor, with their role as it is now.</summary>
    public CurrentTenant Actor { get; } = actor;
    public BoardConfig Config { get; } = config;
    /// <summary>The board's stages, in order.</summary>
    public IReadOnlyList<Stage> Stages { get; } = stages;
    public DateTimeOffset Now { get; } = now;
    /// <summary>Where the change came from: board, keyboard, menu, api, …</summary>
    public string Source { get; } = source;
    /// <summary>The address the write came from (the API caller's or the browser's), when known.</summary>
    public string? ClientAddress { get; } = clientAddress;
    /// <summary>The board as it is now in this transaction (cards, stages, ordering keys, versions), kept by
    /// the board's writer; a use case may read it instead of querying.</summary>
    public required BoardSnapshot Snapshot { get; init; }

    /// <summary>The board's rules, as configured now.</summary>
    public BoardRules Rules { get; } = ConfigureBoard.ToConfiguration(config, stages).Rules;

    internal IReadOnlyList<(BoardEvent Event, CardMove? Row)> Appended => appended;

    /// <summary>Writes what the batch's earlier writes changed (not committed), so that a query sees it.</summary>
    public Task FlushAsync(CancellationToken ct) => BoardTransaction.FlushAsync(Db, ct);

    /// <summary>Appends an event (its log row, when it has one, gets the event's sequence number).</summary>
    public void Append(BoardEvent change, CardMove? row = null) =>
        appended.Add((change with { ActorId = Actor.UserId, ActorName = Actor.UserDisplayName, At = Now }, row));
}

public sealed record BoardWriteOutcome<T>(T? Result, IReadOnlyList<SequencedEvent> Events, bool IsNotMember = false, bool IsNoBoard = false)
{
    public static BoardWriteOutcome<T> NotMember => new(default, [], IsNotMember: true);
    public static BoardWriteOutcome<T> NoBoard => new(default, [], IsNoBoard: true);
}

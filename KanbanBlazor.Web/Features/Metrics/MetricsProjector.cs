using System.Data.Common;
using System.Threading.Channels;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Metrics;
using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace KanbanBlazor.Web.Features.Metrics;

/// <summary>
/// Keeps each board's flow metrics (<c>kanban_flow</c>: every card's stays; <c>kanban_metrics</c>: the
/// counters per stage, owner and hour, day and week) up to date with its log, reading the log by
/// sequence from where it last stopped (<c>kanban_metric_progress</c>).
///
/// <para>Why beside the board transaction and not in it: the board's writes are the latency everyone
/// feels (a move must reach 200 viewers within 50 ms), and metrics can be a second late. So a commit
/// only signals this service (<see cref="Committed"/>), which catches the board up shortly after, in
/// one transaction per batch of events; the dashboard also catches its board up before it reads, so
/// what it shows is never behind the log, even for writes made by another instance.</para>
///
/// <para>How: a card whose log grew is counted again from its whole log (its timeline, by
/// <see cref="FlowHistory.Timelines"/>, so an undone move never counts): its old contribution is taken
/// away and the new one added (<see cref="FlowContributions"/>). A change of the board's stages (which
/// may change which stages close a card) rebuilds the board. <see cref="RebuildAsync"/> recomputes
/// everything from the log; a test holds it equal to the incremental counters.</para>
///
/// <para>Two projectors on one board (two instances, or the dashboard and the background): each runs in
/// a repeatable-read transaction that ends by moving the board's progress row, so the later one fails
/// with a serialization error, writes nothing, and tries again from the new progress.</para>
/// </summary>
public sealed class MetricsProjector(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock, ILogger<MetricsProjector> logger) : BackgroundService
{
    /// <summary>Events read per transaction.</summary>
    public const int Batch = 5000;

    private readonly Channel<(Guid TenantId, string EntityType)> due = Channel.CreateBounded<(Guid, string)>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Called after a board's commit: its metrics are caught up shortly after.</summary>
    public void Committed(Guid tenantId, string entityType) => due.Writer.TryWrite((tenantId, entityType));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var waiting = new HashSet<(Guid, string)>();
        while (await due.Reader.WaitToReadAsync(stoppingToken))
        {
            // Let a burst of commits gather, then catch each board up once.
            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, stoppingToken);
            while (due.Reader.TryRead(out var board)) waiting.Add(board);
            foreach (var (tenantId, entityType) in waiting)
            {
                try
                {
                    await CatchUpAsync(tenantId, entityType, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Catching up the metrics of board {EntityType} of tenant {TenantId} failed; its next commit tries again", entityType, tenantId);
                }
            }
            waiting.Clear();
        }
    }

    /// <summary>Reads the board's log from where the metrics stopped to its end.</summary>
    /// <returns>the sequence the metrics now stand at</returns>
    public async Task<long> CatchUpAsync(Guid tenantId, string entityType, CancellationToken ct)
    {
        while (true)
        {
            var (at, more) = await RetryingAsync(() => StepAsync(tenantId, entityType, rebuild: false, ct), ct);
            if (!more) return at;
        }
    }

    /// <summary>Recomputes the board's metrics from its whole log, as if there had been none.</summary>
    public async Task<long> RebuildAsync(Guid tenantId, string entityType, CancellationToken ct) =>
        (await RetryingAsync(() => StepAsync(tenantId, entityType, rebuild: true, ct), ct)).At;

    private static async Task<T> RetryingAsync<T>(Func<Task<T>> step, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step();
            }
            catch (Exception ex) when (attempt < 20 && IsSerializationFailure(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), ct);
            }
        }
    }

    private static bool IsSerializationFailure(Exception ex) =>
        ex is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected }
        || (ex.InnerException is { } inner && IsSerializationFailure(inner));

    private sealed record LogRow(Guid Id, Guid CardId, string EventType, string Kind, string? FromStage, string ToStage, Guid? UndoOf, DateTimeOffset At, bool WipOverride, long Sequence);

    private async Task<(long At, bool More)> StepAsync(Guid tenantId, string entityType, bool rebuild, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();

        var progress = await db.MetricProgress.AsNoTracking().Where(p => p.EntityType == entityType).Select(p => (long?)p.Sequence).FirstOrDefaultAsync(ct);
        var from = rebuild ? 0 : progress ?? 0;
        var events = rebuild ? [] : await ReadAsync(connection, """
            SELECT id, entity_id, event_type, kind, from_stage, to_stage, undo_move_id, created_at,
                   coalesce((metadata->>'wip_override')::boolean, false), sequence
            FROM kanban_moves WHERE entity_type = $1 AND sequence > $2 ORDER BY sequence LIMIT $3
            """, [entityType, from, Batch], ct);
        if (events.Count == 0 && !rebuild) return (from, false);
        var to = rebuild
            ? await db.Moves.Where(m => m.EntityType == entityType).MaxAsync(m => (long?)m.Sequence, ct) ?? 0
            : events[^1].Sequence;

        var config = await db.BoardConfigs.AsNoTracking().Include(c => c.Stages).SingleOrDefaultAsync(c => c.EntityType == entityType, ct);
        var closing = (config?.Stages ?? []).Where(s => Enum.Parse<StageOutcome>(s.Outcome) != StageOutcome.Open).Select(s => s.Key).ToHashSet();

        // From nothing, or when the stages changed (which may change what closes a card): every card, again.
        var everything = rebuild || from == 0 || events.Any(e => e.EventType == BoardEventTypes.BoardConfigured);
        var counts = new Dictionary<FlowCountKey, FlowCounts>();
        var wip = new Dictionary<(string Stage, MetricPeriod Period, DateTimeOffset Start), (int Warnings, int Overrides)>();
        List<Guid>? touched = null;
        if (everything)
        {
            await ExecuteAsync(connection, "DELETE FROM kanban_flow WHERE entity_type = $1", [entityType], ct);
            await ExecuteAsync(connection, "DELETE FROM kanban_metrics WHERE entity_type = $1", [entityType], ct);
            // The WIP counters are of events, not of cards: from the whole log (up to this batch's end).
            var all = await ReadAsync(connection, """
                SELECT id, entity_id, event_type, kind, from_stage, to_stage, undo_move_id, created_at,
                       coalesce((metadata->>'wip_override')::boolean, false), sequence
                FROM kanban_moves WHERE entity_type = $1 AND sequence <= $2
                  AND (event_type = 'WipWarning' OR metadata->>'wip_override' IS NOT NULL)
                """, [entityType, to], ct);
            CountWip(all, wip);
        }
        else
        {
            touched = events.Where(e => e.EventType is BoardEventTypes.CardCreated or BoardEventTypes.CardMoved or BoardEventTypes.CardUpdated or BoardEventTypes.CardDeleted)
                .Select(e => e.CardId).Distinct().ToList();
            CountWip(events, wip);
            // Take away what these cards counted for before.
            var old = await ReadStaysAsync(connection, "DELETE FROM kanban_flow WHERE entity_type = $1 AND card_id = ANY($2) RETURNING card_id, seq, stage, owner_id, entered_at, left_at",
                [entityType, touched.ToArray()], ct);
            foreach (var (card, (owner, before)) in old)
                FlowContributions.Merge(counts, FlowContributions.Of(new CardTimeline(card, before), owner, closing), subtract: true);
        }

        // Count these cards (or all of them) again, from their whole log up to this batch's end, as they are now.
        var owners = new Dictionary<Guid, (Guid Owner, DateTimeOffset? NextAction)>();
        await using (var reader = await Command(connection, touched is null
            ? "SELECT id, coalesce(owner_id, '00000000-0000-0000-0000-000000000000'), next_action_at FROM cards WHERE entity_type = $1"
            : "SELECT id, coalesce(owner_id, '00000000-0000-0000-0000-000000000000'), next_action_at FROM cards WHERE entity_type = $1 AND id = ANY($2)",
            touched is null ? [entityType] : [entityType, touched.ToArray()]).ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                owners[reader.GetGuid(0)] = (reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));

        var entries = await ReadAsync(connection, touched is null
            ? """
              SELECT id, entity_id, event_type, kind, from_stage, to_stage, undo_move_id, created_at, false, sequence
              FROM kanban_moves WHERE entity_type = $1 AND sequence <= $2 AND event_type IN ('CardCreated', 'CardMoved') ORDER BY sequence
              """
            : """
              SELECT id, entity_id, event_type, kind, from_stage, to_stage, undo_move_id, created_at, false, sequence
              FROM kanban_moves WHERE entity_type = $1 AND sequence <= $2 AND event_type IN ('CardCreated', 'CardMoved') AND entity_id = ANY($3) ORDER BY sequence
              """,
            touched is null ? [entityType, to] : [entityType, to, touched.ToArray()], ct);
        // A deleted card (no longer among the cards) leaves the figures, like a card that never was.
        var timelines = FlowHistory.Timelines(entries.Where(e => owners.ContainsKey(e.CardId)).Select(e =>
            new FlowEntry(e.CardId, e.Id, e.At, e.FromStage, e.ToStage, e.Kind == "undo" ? e.UndoOf : null)));
        var stays = new List<StayRow>();
        foreach (var timeline in timelines)
        {
            var (owner, nextAction) = owners[timeline.CardId];
            FlowContributions.Merge(counts, FlowContributions.Of(timeline, owner, closing));
            var started = config?.WorkStartedStage is { } work ? timeline.FirstEntered(work) : null;
            var seen = new HashSet<string>();
            for (var i = 0; i < timeline.Stays.Count; i++)
                stays.Add(new(timeline.CardId, i, timeline.Stays[i], owner, seen.Add(timeline.Stays[i].Stage), timeline.Stays[0].Entered, started, nextAction));
        }

        await InsertStaysAsync(connection, tenantId, entityType, stays, ct);
        await AddCountsAsync(connection, tenantId, entityType, counts, wip, ct);
        await ExecuteAsync(connection, """
            INSERT INTO kanban_metric_progress (tenant_id, entity_type, sequence, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id, entity_type) DO UPDATE SET sequence = excluded.sequence, updated_at = excluded.updated_at
            """, [tenantId, entityType, to, clock.GetUtcNow()], ct);
        await tx.CommitAsync(ct);
        return (to, !rebuild && events.Count == Batch);
    }

    private static void CountWip(IEnumerable<LogRow> rows, Dictionary<(string, MetricPeriod, DateTimeOffset), (int Warnings, int Overrides)> wip)
    {
        foreach (var row in rows)
        {
            var (warning, overridden) = (row.EventType == BoardEventTypes.WipWarning, row.EventType == BoardEventTypes.CardMoved && row.WipOverride);
            if (!warning && !overridden) continue;
            foreach (var period in MetricPeriods.All)
            {
                var key = (row.ToStage, period, period.Start(row.At));
                var (w, o) = wip.GetValueOrDefault(key);
                wip[key] = (w + (warning ? 1 : 0), o + (overridden ? 1 : 0));
            }
        }
    }

    /// <summary>A command on the context's connection (and its transaction), its parameters positional ($1, $2…).</summary>
    internal static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return command;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, object[] parameters, CancellationToken ct)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<List<LogRow>> ReadAsync(NpgsqlConnection connection, string sql, object[] parameters, CancellationToken ct)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<LogRow>();
        while (await reader.ReadAsync(ct))
            rows.Add(new LogRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetGuid(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetBoolean(8), reader.GetInt64(9)));
        return rows;
    }

    private static async Task<Dictionary<Guid, (Guid Owner, List<Stay> Stays)>> ReadStaysAsync(NpgsqlConnection connection, string sql, object[] parameters, CancellationToken ct)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<(Guid Card, int Seq, Guid Owner, Stay Stay)>();
        while (await reader.ReadAsync(ct))
            rows.Add((reader.GetGuid(0), reader.GetInt32(1), reader.GetGuid(3),
                new Stay(reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5))));
        return rows.GroupBy(r => r.Card).ToDictionary(g => g.Key, g => (g.First().Owner, g.OrderBy(r => r.Seq).Select(r => r.Stay).ToList()));
    }

    /// <summary>A row of kanban_flow: one stay, with what the dashboard reads beside it (see <see cref="Data.FlowStay"/>).</summary>
    private sealed record StayRow(Guid Card, int Seq, Stay Stay, Guid Owner, bool FirstEntry, DateTimeOffset Created, DateTimeOffset? Started, DateTimeOffset? NextAction);

    private static async Task InsertStaysAsync(NpgsqlConnection connection, Guid tenantId, string entityType, List<StayRow> stays, CancellationToken ct)
    {
        // Row-level security rules out COPY: arrays, a few thousand rows a statement.
        foreach (var chunk in stays.Chunk(5000))
        {
            await using var command = Command(connection, """
                INSERT INTO kanban_flow (tenant_id, entity_type, card_id, seq, stage, owner_id, entered_at, left_at, first_entry, card_created_at, started_at, next_action_at)
                SELECT $1, $2, * FROM unnest($3::uuid[], $4::int[], $5::text[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::boolean[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
                """, [tenantId, entityType]);
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Card).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Seq).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Stay.Stage).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Owner).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Stay.Entered).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Stay.Left).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.FirstEntry).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Created).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.Started).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = chunk.Select(s => s.NextAction).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task AddCountsAsync(NpgsqlConnection connection, Guid tenantId, string entityType, Dictionary<FlowCountKey, FlowCounts> counts,
        Dictionary<(string Stage, MetricPeriod Period, DateTimeOffset Start), (int Warnings, int Overrides)> wip, CancellationToken ct)
    {
        var rows = counts.Select(c => (c.Key.Stage, c.Key.OwnerId, c.Key.Period, c.Key.Start, c.Value, Warnings: 0, Overrides: 0))
            .Concat(wip.Select(w => (w.Key.Stage, OwnerId: Guid.Empty, w.Key.Period, w.Key.Start, Value: default(FlowCounts), w.Value.Warnings, w.Value.Overrides)))
            .ToList();
        foreach (var chunk in rows.Chunk(5000))
        {
            // Added to what is there (the same key twice in one statement would be refused: summed first).
            var summed = chunk.GroupBy(r => (r.Stage, r.OwnerId, r.Period, r.Start)).Select(g => (g.Key,
                Counts: g.Aggregate(default(FlowCounts), (sum, r) => sum + r.Value), Warnings: g.Sum(r => r.Warnings), Overrides: g.Sum(r => r.Overrides))).ToList();
            await using var command = Command(connection, """
                INSERT INTO kanban_metrics AS m (tenant_id, entity_type, stage, owner_id, period, period_start, entered, exited, done, stay_ms, lead_ms, wip_warnings, wip_overrides)
                SELECT $1, $2, * FROM unnest($3::text[], $4::uuid[], $5::text[], $6::timestamptz[], $7::int[], $8::int[], $9::int[], $10::bigint[], $11::bigint[], $12::int[], $13::int[])
                ON CONFLICT (tenant_id, entity_type, period, period_start, stage, owner_id) DO UPDATE SET
                    entered = m.entered + excluded.entered, exited = m.exited + excluded.exited, done = m.done + excluded.done,
                    stay_ms = m.stay_ms + excluded.stay_ms, lead_ms = m.lead_ms + excluded.lead_ms,
                    wip_warnings = m.wip_warnings + excluded.wip_warnings, wip_overrides = m.wip_overrides + excluded.wip_overrides
                """, [tenantId, entityType]);
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Key.Stage).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Key.OwnerId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Key.Period.Name()).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Key.Start).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Counts.Entered).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Counts.Exited).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Counts.Done).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Counts.StayMs).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Counts.LeadMs).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Warnings).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = summed.Select(r => r.Overrides).ToArray() });
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}

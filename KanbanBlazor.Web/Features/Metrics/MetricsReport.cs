using System.Text.Json.Serialization;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Core.Metrics;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KanbanBlazor.Web.Features.Metrics;

/// <summary>What the dashboard is asked for: a board, a period of whole days (UTC, <see cref="To"/>
/// included), how throughput is grouped (day, week or month), one owner or everyone, and the forecast's
/// questions: how many by <see cref="ForecastBy"/>, and when <see cref="ForecastItems"/> cards will be done.</summary>
public sealed record MetricsQuery(string EntityType, DateOnly From, DateOnly To, string Period = "week", Guid? OwnerId = null,
    DateOnly? ForecastBy = null, int? ForecastItems = null)
{
    public static readonly IReadOnlyList<string> Periods = ["day", "week", "month"];
    public const int MaxDays = 3 * 366;
}

/// <summary>Durations of a set of cards, in days.</summary>
public sealed record DurationFigures(int Count, double Average, double Median, double P85, double P90)
{
    public static DurationFigures Of(DurationSummary s) =>
        new(s.Count, Days(s.Average), Days(s.Median), Days(s.P85), Days(s.P90));

    internal static double Days(TimeSpan t) => Round(t.TotalDays);

    internal static double Round(double days) => Math.Round(days, 2, MidpointRounding.AwayFromZero);
}

public sealed record StageFigures(string Stage, string Name, [property: JsonConverter(typeof(JsonStringEnumConverter<StageOutcome>))] StageOutcome Outcome, int Entered, int Exited, int WipNow,
    int Stays, double AverageDays, double MedianDays, double P85Days, double P90Days, double P95Days,
    int WipWarnings, int WipBlocks, int WipOverrides, double Bottleneck);

public sealed record CyclePoint(Guid CardId, string Title, DateTimeOffset Done, double CycleDays, double LeadDays, string Stage);

public sealed record ThroughputPoint(DateOnly Start, int Done, int Won, int Lost);

/// <summary>WIP of each stage at the end of a day (its index in <see cref="BoardMetrics.Stages"/>).</summary>
public sealed record FlowDay(DateOnly Day, IReadOnlyList<int> Wip);

public sealed record AgingCard(Guid CardId, string Title, string Stage, double AgeDays,
    [property: JsonConverter(typeof(JsonStringEnumConverter<NextActionState>))] NextActionState NextAction, bool AtRisk, string? OwnerName);

public sealed record FunnelStep(string Stage, string Name, int Reached, double Share);

public sealed record ForecastFigures(int SampleDays, DateOnly By, int ByDays, ForecastRange HowMany, int Items, ForecastRange? When,
    IReadOnlyList<decimal>? WeightedValue, string? Currency);

/// <summary>The dashboard's figures for one board and period, as the page and the API show them.</summary>
public sealed record BoardMetrics(string EntityType, DateOnly From, DateOnly To, string Period, Guid? OwnerId, string? WorkStartedStage,
    IReadOnlyList<StageFigures> Stages, DurationFigures LeadTime, DurationFigures CycleTime, IReadOnlyList<CyclePoint> Cycle,
    IReadOnlyList<ThroughputPoint> Throughput, IReadOnlyList<FlowDay> Flow, IReadOnlyList<AgingCard> Aging, int OpenCards, int AtRisk,
    double? WinRate, int Won, int Lost, IReadOnlyList<FunnelStep> Funnel, ForecastFigures Forecast, long Sequence);

public enum MetricsRefusal { None, NotPermitted, NoBoard, BadQuery }

/// <summary>
/// The dashboard's figures (<see cref="BoardMetrics"/>), read from the metrics kept beside the log
/// (<see cref="MetricsProjector"/>, caught up first), never from the log itself: a period's counters
/// from <c>kanban_metrics</c>, its stays and cards done from <c>kanban_flow</c> (covering indexes: the
/// reads are index-only); stay percentiles (one sort per stage) and the open cards' risk are worked
/// out here. Managers and Admins see everyone's figures or one owner's; a Sales rep
/// only their own cards'; a Viewer none.
/// </summary>
public sealed class MetricsReport(IDbContextFactory<KanbanDbContext> factory, MetricsProjector projector, TimeProvider clock)
{
    /// <summary>At most this many open cards are listed by age (the oldest against their stage first); all are counted.</summary>
    public const int AgingShown = 300;

    public static bool MaySee(TenantRole role) => role is TenantRole.Admin or TenantRole.Manager or TenantRole.SalesRep;

    public async Task<(BoardMetrics? Metrics, MetricsRefusal Refusal, string? Problem)> ExecuteAsync(CurrentTenant viewer, MetricsQuery query, CancellationToken ct)
    {
        if (!MaySee(viewer.Role)) return (null, MetricsRefusal.NotPermitted, "Viewers cannot open the metrics.");
        if (query.To < query.From) return (null, MetricsRefusal.BadQuery, "The period ends before it starts.");
        if (query.To.DayNumber - query.From.DayNumber >= MetricsQuery.MaxDays) return (null, MetricsRefusal.BadQuery, $"The period is longer than {MetricsQuery.MaxDays} days.");
        if (!MetricsQuery.Periods.Contains(query.Period)) return (null, MetricsRefusal.BadQuery, "The period is grouped by day, week or month.");
        if (query.ForecastItems is < 0 or > 100_000) return (null, MetricsRefusal.BadQuery, "The number of cards to forecast is between 0 and 100,000.");
        // A Sales rep sees their own cards' figures, whatever they ask for.
        var owner = viewer.Role == TenantRole.SalesRep ? viewer.UserId : query.OwnerId;
        query = query with { OwnerId = owner };

        var sequence = await projector.CatchUpAsync(viewer.TenantId, query.EntityType, ct);
        await using var db = await factory.CreateForTenantAsync(viewer.TenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var config = await db.BoardConfigs.AsNoTracking().Include(c => c.Stages).SingleOrDefaultAsync(c => c.EntityType == query.EntityType, ct);
        if (config is null) return (null, MetricsRefusal.NoBoard, $"There is no {query.EntityType} board.");
        var stages = config.Stages.OrderBy(s => s.Position).Select(s => (s.Key, s.Name, Outcome: Enum.Parse<StageOutcome>(s.Outcome))).ToList();
        var closing = stages.Where(s => s.Outcome != StageOutcome.Open).Select(s => s.Key).ToArray();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        // The period's stays are sorted for their percentiles: in memory, not in temporary files.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL work_mem = '64MB'", ct);

        var now = clock.GetUtcNow();
        var from = new DateTimeOffset(query.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(query.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var ownerFilter = owner is null ? "" : " AND owner_id = $4";
        object[] Args(params object[] more) => owner is null ? [query.EntityType, from, to, .. more] : [query.EntityType, from, to, owner.Value, .. more];
        int Next(int index) => owner is null ? index : index + 1; // the position of the next parameter

        // Read in one repeatable-read snapshot. (Two connections at once were slower on two cores: they fought for them.)
        var daily = new List<(DateOnly Day, string Stage, int Entered, int Exited, int Done, int Warnings, int Overrides)>();
        var before = new Dictionary<string, int>();
        var stays = new Dictionary<string, (int Count, double Average, double P50, double P85, double P90, double P95)>();
        var done = new List<(Guid Card, string Title, string Stage, DateTimeOffset Done, DateTimeOffset Created, DateTimeOffset? Started)>();
        var openStages = stages.Where(s => s.Outcome == StageOutcome.Open).Select(s => s.Key).ToArray();
        var openCounts = new Dictionary<string, (int Open, int AtRisk)>();
        var aging = new List<AgingCard>();
        var reached = new Dictionary<string, int>();
        var created = 0;
        var blocked = new Dictionary<string, int>();
        async Task StaysAndOpenAsync(NpgsqlConnection connection)
        {
            // The period's finished stays, per stage: read in the index's order (each stay's length worked
            // out by PostgreSQL as an interval, which is cheap; extract(epoch …) is numeric and is not) and
            // sorted here, once per stage (PostgreSQL's percentile_cont sorted each group again).
            var durations = stages.ToDictionary(st => st.Key, _ => new List<double>());
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT stage, left_at - entered_at FROM kanban_flow
                WHERE entity_type = $1 AND left_at >= $2 AND left_at < $3{Filter(ownerFilter)}
                """, Args()).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    if (durations.TryGetValue(reader.GetString(0), out var list)) list.Add(reader.GetFieldValue<TimeSpan>(1).TotalDays);
            foreach (var (key, list) in durations)
            {
                if (list.Count == 0) continue;
                var sorted = list.ToArray();
                Array.Sort(sorted);
                stays[key] = (sorted.Length, sorted.Average(), At(sorted, 0.5), At(sorted, 0.85), At(sorted, 0.9), At(sorted, 0.95));
            }

            // Open cards, judged here: at risk when older in their stage than its 85th percentile in the
            // period, or with no next action or an overdue one; counted per stage, the most at risk listed
            // (furthest past their stage's p85 first). One index-only read of the open stays, then the
            // listed cards' titles and owners by key.
            var judged = new List<(Guid Card, string Stage, double Age, DateTimeOffset? Next, bool AtRisk, double Ratio)>();
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT card_id, stage, entered_at, next_action_at FROM kanban_flow
                WHERE entity_type = $1 AND left_at IS NULL AND stage = ANY(${Next(4)}) AND $2 = $2 AND $3 = $3{Filter(ownerFilter)}
                """, Args((object)openStages)).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                {
                    var stage = reader.GetString(1);
                    var age = (now - reader.GetFieldValue<DateTimeOffset>(2)).TotalDays;
                    DateTimeOffset? next = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
                    double? p85 = stays.TryGetValue(stage, out var st) ? st.P85 : null;
                    judged.Add((reader.GetGuid(0), stage, age, next, age > p85 || next is null || next < now, p85 > 0 ? age / p85.Value : 0));
                }
            foreach (var group in judged.GroupBy(j => j.Stage))
                openCounts[group.Key] = (group.Count(), group.Count(j => j.AtRisk));
            var listed = judged.OrderByDescending(j => j.AtRisk).ThenByDescending(j => j.Ratio).ThenByDescending(j => j.Age).ThenBy(j => j.Card)
                .Take(AgingShown).ToList();
            var cards = new Dictionary<Guid, (string Title, string? Owner)>();
            await using (var reader = await MetricsProjector.Command(connection, """
                SELECT c.id, c.title, u.display_name FROM cards c
                LEFT JOIN tenant_memberships u ON u.tenant_id = c.tenant_id AND u.user_id = c.owner_id
                WHERE c.id = ANY($1)
                """, [listed.Select(j => j.Card).ToArray()]).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    cards[reader.GetGuid(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            foreach (var j in listed)
                if (cards.TryGetValue(j.Card, out var card))
                    aging.Add(new AgingCard(j.Card, card.Title, j.Stage, DurationFigures.Round(j.Age), CardHealth.NextAction(j.Next, now, TimeZoneInfo.Utc), j.AtRisk, card.Owner));
        }

        async Task CountersDoneAndFunnelAsync(NpgsqlConnection connection)
        {
            // The period's counters, by day and stage; and, for WIP at the period's start, everything before it.
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT period_start, stage, sum(entered)::int, sum(exited)::int, sum(done)::int, sum(wip_warnings)::int, sum(wip_overrides)::int
                FROM kanban_metrics WHERE entity_type = $1 AND period = 'day' AND period_start >= $2 AND period_start < $3{Filter(ownerFilter)}
                GROUP BY period_start, stage
                """, Args()).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    daily.Add((DateOnly.FromDateTime(reader.GetFieldValue<DateTimeOffset>(0).UtcDateTime), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                        reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6)));
            // WIP when the period began: whole weeks (from Monday) before it, then the days of its first week before it.
            var weekStart = MetricPeriod.Week.Start(from);
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT stage, sum(entered - exited)::int FROM (
                    SELECT stage, entered, exited FROM kanban_metrics
                    WHERE entity_type = $1 AND period = 'week' AND period_start < ${Next(4)} AND $3 = $3{Filter(ownerFilter)}
                    UNION ALL
                    SELECT stage, entered, exited FROM kanban_metrics
                    WHERE entity_type = $1 AND period = 'day' AND period_start >= ${Next(4)} AND period_start < $2{Filter(ownerFilter)}) r
                GROUP BY stage
                """, Args(weekStart)).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) before[reader.GetString(0)] = reader.GetInt32(1);

            // Cards done in the period (closing now, entered in it), with when each was created and started;
            // each title read by its key (a join hashed every card of the tenant).
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT * FROM (
                    SELECT f.card_id, (SELECT c.title FROM cards c WHERE c.tenant_id = f.tenant_id AND c.id = f.card_id) AS title,
                           f.stage, f.entered_at, f.card_created_at, f.started_at
                    FROM kanban_flow f
                    WHERE f.entity_type = $1 AND f.left_at IS NULL AND f.stage = ANY(${Next(4)}) AND f.entered_at >= $2 AND f.entered_at < $3{Filter(ownerFilter, "f.")}) d
                WHERE title IS NOT NULL
                ORDER BY entered_at
                """, Args((object)closing)).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    done.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4),
                        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));

            // Moves refused at a hard WIP limit (by the person filtered on, when one is).
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT stage, count(*)::int FROM kanban_wip_blocks WHERE entity_type = $1 AND at >= $2 AND at < $3{ownerFilter.Replace("owner_id", "user_id")}
                GROUP BY stage
                """, Args()).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) blocked[reader.GetString(0)] = reader.GetInt32(1);

            // The period's new cards, and which stages each of them reached.
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT stage, count(*)::int, count(*) FILTER (WHERE seq = 0)::int FROM kanban_flow
                WHERE entity_type = $1 AND first_entry AND card_created_at >= $2 AND card_created_at < $3{Filter(ownerFilter)}
                GROUP BY stage
                """, Args()).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                {
                    reached[reader.GetString(0)] = reader.GetInt32(1);
                    created += reader.GetInt32(2);
                }

        }

        await CountersDoneAndFunnelAsync(connection);
        await StaysAndOpenAsync(connection);

        // The forecast; for opportunities, the weighted values of the open cards furthest along, as many as it may take.
        var forecast = Predict(query, daily, now, openCounts.Values.Sum(o => o.Open));
        if (query.EntityType == EntityTypes.Opportunity)
        {
            var weighted = new List<(decimal Value, string Currency)>();
            await using (var reader = await MetricsProjector.Command(connection, $"""
                SELECT c.value * coalesce(c.probability, 0) / 100.0, c.currency
                FROM kanban_flow f JOIN cards c ON c.tenant_id = f.tenant_id AND c.id = f.card_id
                JOIN unnest(${Next(5)}::text[]) WITH ORDINALITY AS o(stage, n) ON o.stage = f.stage
                WHERE f.entity_type = $1 AND f.left_at IS NULL AND $2 = $2 AND $3 = $3{Filter(ownerFilter, "f.")}
                ORDER BY o.n DESC, c.probability DESC NULLS LAST, c.value DESC
                LIMIT ${Next(4)}
                """, Args(Math.Max(forecast.HowMany.At50, 1), openStages)).ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) weighted.Add((reader.GetDecimal(0), reader.GetString(1)));
            decimal Sum(int n) => weighted.Take(n).Sum(w => w.Value);
            forecast = forecast with
            {
                WeightedValue = [Sum(forecast.HowMany.At50), Sum(forecast.HowMany.At85), Sum(forecast.HowMany.At95)],
                Currency = weighted.GroupBy(w => w.Currency).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault() ?? "USD",
            };
        }
        await tx.CommitAsync(ct);

        return (Compose(query, config.WorkStartedStage, stages, daily, before, stays, done, openCounts, aging, reached, created, blocked, forecast, sequence),
            MetricsRefusal.None, null);
    }

    /// <summary>The value at <paramref name="fraction"/> of sorted values, interpolated between neighbours
    /// (as PostgreSQL's percentile_cont and <see cref="CardHealth.Percentile"/>).</summary>
    private static double At(double[] sorted, double fraction)
    {
        var rank = fraction * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        return sorted[below] + (sorted[(int)Math.Ceiling(rank)] - sorted[below]) * (rank - below);
    }

    private static string Filter(string ownerFilter, string alias = "") => ownerFilter.Replace("owner_id", alias + "owner_id");

    private static BoardMetrics Compose(MetricsQuery query, string? workStarted, List<(string Key, string Name, StageOutcome Outcome)> stages,
        List<(DateOnly Day, string Stage, int Entered, int Exited, int Done, int Warnings, int Overrides)> daily, Dictionary<string, int> before,
        Dictionary<string, (int Count, double Average, double P50, double P85, double P90, double P95)> stays,
        List<(Guid Card, string Title, string Stage, DateTimeOffset Done, DateTimeOffset Created, DateTimeOffset? Started)> done,
        Dictionary<string, (int Open, int AtRisk)> openCounts, List<AgingCard> aging, Dictionary<string, int> reached, int created,
        Dictionary<string, int> blocked, ForecastFigures forecast, long sequence)
    {
        var outcome = stages.ToDictionary(s => s.Key, s => s.Outcome);
        var days = Enumerable.Range(0, query.To.DayNumber - query.From.DayNumber + 1).Select(i => query.From.AddDays(i)).ToList();
        var byDay = daily.ToLookup(d => d.Day);

        // Cumulative flow: each stage's WIP at the end of each day, from where it stood when the period began.
        var wip = stages.Select(s => before.GetValueOrDefault(s.Key)).ToArray();
        var flow = new List<FlowDay>();
        foreach (var day in days)
        {
            foreach (var row in byDay[day])
                if (stages.FindIndex(s => s.Key == row.Stage) is var i and >= 0) wip[i] += row.Entered - row.Exited;
            flow.Add(new FlowDay(day, [.. wip]));
        }

        // Throughput: cards done per day, week (from Monday) or month, every one present.
        DateOnly Bucket(DateOnly day) => query.Period switch
        {
            "day" => day,
            "week" => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            _ => new DateOnly(day.Year, day.Month, 1),
        };
        int DoneOn(DateOnly day, StageOutcome? only = null) => byDay[day].Where(r => only is null || outcome.GetValueOrDefault(r.Stage) == only).Sum(r => r.Done);
        var throughput = days.GroupBy(Bucket).Select(g => new ThroughputPoint(g.Key, g.Sum(d => DoneOn(d)), g.Sum(d => DoneOn(d, StageOutcome.Won)), g.Sum(d => DoneOn(d, StageOutcome.Lost)))).ToList();

        var lead = DurationSummary.Of(done.Select(d => d.Done - d.Created));
        var cycleDone = done.Where(d => d.Started is not null && workStarted is not null).ToList();
        var cycle = DurationSummary.Of(cycleDone.Select(d => d.Done - d.Started!.Value));
        var points = cycleDone.Select(d => new CyclePoint(d.Card, d.Title, d.Done, DurationFigures.Days(d.Done - d.Started!.Value), DurationFigures.Days(d.Done - d.Created), d.Stage)).ToList();

        // Bottleneck: the stage's share of the period's waiting (days cards spent in open stages), times
        // how many days its cards now would take to leave at the period's pace (WIP ÷ exits per day);
        // shown on a scale where the worst stage is 100.
        var openStages = stages.Where(s => s.Outcome == StageOutcome.Open).Select(s => s.Key).ToHashSet();
        double Waited(string stage) => stays.TryGetValue(stage, out var s) ? s.Count * s.Average : 0;
        var totalWaited = openStages.Sum(Waited);
        var wipNow = openCounts.ToDictionary(o => o.Key, o => o.Value.Open);
        var raw = stages.ToDictionary(s => s.Key, s =>
        {
            if (!openStages.Contains(s.Key) || totalWaited <= 0) return 0.0;
            var exitsPerDay = daily.Where(d => d.Stage == s.Key).Sum(d => d.Exited) / (double)days.Count;
            var clearDays = exitsPerDay > 0 ? wipNow.GetValueOrDefault(s.Key) / exitsPerDay : wipNow.GetValueOrDefault(s.Key) > 0 ? days.Count : 0;
            return Waited(s.Key) / totalWaited * clearDays;
        });
        var worst = raw.Values.DefaultIfEmpty(0).Max();

        var stageFigures = stages.Select((s, i) =>
        {
            var st = stays.GetValueOrDefault(s.Key);
            var rows = daily.Where(d => d.Stage == s.Key).ToList();
            return new StageFigures(s.Key, s.Name, s.Outcome, rows.Sum(r => r.Entered), rows.Sum(r => r.Exited),
                s.Outcome == StageOutcome.Open ? wipNow.GetValueOrDefault(s.Key) : 0,
                st.Count, DurationFigures.Round(st.Average), DurationFigures.Round(st.P50), DurationFigures.Round(st.P85), DurationFigures.Round(st.P90), DurationFigures.Round(st.P95),
                rows.Sum(r => r.Warnings), blocked.GetValueOrDefault(s.Key), rows.Sum(r => r.Overrides), worst > 0 ? Math.Round(raw[s.Key] / worst * 100, 1) : 0);
        }).ToList();

        var won = done.Count(d => outcome.GetValueOrDefault(d.Stage) == StageOutcome.Won);
        var lost = done.Count(d => outcome.GetValueOrDefault(d.Stage) == StageOutcome.Lost);
        var funnel = stages.Where(s => s.Outcome != StageOutcome.Lost)
            .Select(s => new FunnelStep(s.Key, s.Name, reached.GetValueOrDefault(s.Key), created > 0 ? Math.Round(reached.GetValueOrDefault(s.Key) / (double)created, 3) : 0)).ToList();

        return new BoardMetrics(query.EntityType, query.From, query.To, query.Period, query.OwnerId, workStarted, stageFigures,
            DurationFigures.Of(lead), DurationFigures.Of(cycle), points, throughput, flow, aging, openCounts.Values.Sum(o => o.Open), openCounts.Values.Sum(o => o.AtRisk),
            won + lost > 0 ? Math.Round(won / (double)(won + lost), 3) : null, won, lost, funnel, forecast, sequence);
    }

    /// <summary>Monte Carlo over the period's days from the board's first activity in it (each day's cards
    /// done, empty days too): how many by the asked date (default: the end of this month), when the asked
    /// number (default: every open card) will be done. For opportunities the caller adds the
    /// probability-weighted value of the open cards furthest along that many finishing would take.</summary>
    private static ForecastFigures Predict(MetricsQuery query, List<(DateOnly Day, string Stage, int Entered, int Exited, int Done, int Warnings, int Overrides)> daily,
        DateTimeOffset now, int openCards)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var byDay = daily.ToLookup(d => d.Day);
        var days = Enumerable.Range(0, query.To.DayNumber - query.From.DayNumber + 1).Select(i => query.From.AddDays(i)).ToList();
        // The days before the board's first activity in the period say nothing about its pace: left out.
        var first = days.FirstOrDefault(d => byDay[d].Any(r => r.Entered > 0), days[^1]);
        var sample = days.Where(d => d >= first && d <= today).Select(d => byDay[d].Sum(r => r.Done)).ToList();
        var by = query.ForecastBy ?? new DateOnly(today.Year, today.Month, 1).AddMonths(1).AddDays(-1);
        var ahead = Math.Max(0, by.DayNumber - today.DayNumber);
        var items = query.ForecastItems ?? openCards;
        return new ForecastFigures(sample.Count, by, ahead, Forecast.HowMany(sample, ahead), items, Forecast.When(sample, items), null, null);
    }
}

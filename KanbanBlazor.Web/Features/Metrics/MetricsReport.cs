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
    int WipWarnings, int WipOverrides, double Bottleneck);

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
/// from <c>kanban_metrics</c>, its stays and cards done from <c>kanban_flow</c>, with the percentiles
/// worked out in PostgreSQL. Managers and Admins see everyone's figures or one owner's; a Sales rep
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

        var now = clock.GetUtcNow();
        var from = new DateTimeOffset(query.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(query.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var ownerFilter = owner is null ? "" : " AND owner_id = $4";
        object[] Args(params object[] more) => owner is null ? [query.EntityType, from, to, .. more] : [query.EntityType, from, to, owner.Value, .. more];
        int Next(int index) => owner is null ? index : index + 1; // the position of the next parameter

        // The period's counters, by day and stage; and, for WIP at the period's start, everything before it.
        var daily = new List<(DateOnly Day, string Stage, int Entered, int Exited, int Done, int Warnings, int Overrides)>();
        await using (var reader = await MetricsProjector.Command(connection, $"""
            SELECT period_start, stage, sum(entered)::int, sum(exited)::int, sum(done)::int, sum(wip_warnings)::int, sum(wip_overrides)::int
            FROM kanban_metrics WHERE entity_type = $1 AND period = 'day' AND period_start >= $2 AND period_start < $3{Filter(ownerFilter)}
            GROUP BY period_start, stage
            """, Args()).ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                daily.Add((DateOnly.FromDateTime(reader.GetFieldValue<DateTimeOffset>(0).UtcDateTime), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                    reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6)));
        // WIP when the period began: whole weeks (from Monday) before it, then the days of its first week before it.
        var before = new Dictionary<string, int>();
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

        // The period's finished stays, per stage: the percentiles worked out in PostgreSQL.
        var stays = new Dictionary<string, (int Count, double Average, double P50, double P85, double P90, double P95)>();
        await using (var reader = await MetricsProjector.Command(connection, $"""
            SELECT stage, count(*)::int, avg(d)::float8, (percentile_cont(ARRAY[0.5, 0.85, 0.9, 0.95]) WITHIN GROUP (ORDER BY d))::float8[]
            FROM (SELECT stage, extract(epoch FROM left_at - entered_at) / 86400.0 AS d FROM kanban_flow
                  WHERE entity_type = $1 AND left_at >= $2 AND left_at < $3{Filter(ownerFilter)}) s
            GROUP BY stage
            """, Args()).ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var p = reader.GetFieldValue<double[]>(3);
                stays[reader.GetString(0)] = (reader.GetInt32(1), reader.GetDouble(2), p[0], p[1], p[2], p[3]);
            }

        // Cards done in the period: lead time from their first stay, cycle time from their first entry into the work-started stage.
        var done = new List<(Guid Card, string Title, string Stage, DateTimeOffset Done, DateTimeOffset Created, DateTimeOffset? Started)>();
        await using (var reader = await MetricsProjector.Command(connection, $"""
            SELECT f.card_id, c.title, f.stage, f.entered_at, first.entered_at,
                   (SELECT min(w.entered_at) FROM kanban_flow w WHERE w.tenant_id = f.tenant_id AND w.entity_type = f.entity_type AND w.card_id = f.card_id AND w.stage = ${Next(5)})
            FROM kanban_flow f
            JOIN kanban_flow first ON first.tenant_id = f.tenant_id AND first.entity_type = f.entity_type AND first.card_id = f.card_id AND first.seq = 0
            JOIN cards c ON c.tenant_id = f.tenant_id AND c.id = f.card_id
            WHERE f.entity_type = $1 AND f.left_at IS NULL AND f.stage = ANY(${Next(4)}) AND f.entered_at >= $2 AND f.entered_at < $3{Filter(ownerFilter, "f.")}
            ORDER BY f.entered_at
            """, Args(closing, config.WorkStartedStage ?? "")).ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                done.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));

        // Every open card where it is now, and since when.
        var open = new List<(Guid Card, string Title, string Stage, DateTimeOffset Since, DateTimeOffset? NextAction, string? Owner, decimal Value, int? Probability, string Currency)>();
        await using (var reader = await MetricsProjector.Command(connection, $"""
            SELECT f.card_id, c.title, f.stage, f.entered_at, c.next_action_at, u.display_name, c.value, c.probability, c.currency
            FROM kanban_flow f
            JOIN cards c ON c.tenant_id = f.tenant_id AND c.id = f.card_id
            LEFT JOIN tenant_memberships u ON u.tenant_id = c.tenant_id AND u.user_id = c.owner_id
            WHERE f.entity_type = $1 AND f.left_at IS NULL AND NOT (f.stage = ANY(${Next(4)})) AND $2 = $2 AND $3 = $3{Filter(ownerFilter, "f.")}
            """, Args((object)closing)).ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                open.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetDecimal(6), reader.IsDBNull(7) ? null : reader.GetInt32(7), reader.GetString(8)));

        // The period's new cards, and which stages each of them reached.
        var reached = new Dictionary<string, int>();
        var created = 0;
        await using (var reader = await MetricsProjector.Command(connection, $"""
            SELECT s.stage, count(DISTINCT s.card_id)::int, (SELECT count(*)::int FROM kanban_flow n WHERE n.entity_type = $1 AND n.seq = 0 AND n.entered_at >= $2 AND n.entered_at < $3{Filter(ownerFilter, "n.")})
            FROM kanban_flow first
            JOIN kanban_flow s ON s.tenant_id = first.tenant_id AND s.entity_type = first.entity_type AND s.card_id = first.card_id
            WHERE first.entity_type = $1 AND first.seq = 0 AND first.entered_at >= $2 AND first.entered_at < $3{Filter(ownerFilter, "first.")}
            GROUP BY s.stage
            """, Args()).ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) (reached[reader.GetString(0)], created) = (reader.GetInt32(1), reader.GetInt32(2));
        await tx.CommitAsync(ct);

        return (Compose(query, config.WorkStartedStage, stages, daily, before, stays, done, open, reached, created, now, sequence), MetricsRefusal.None, null);
    }

    private static string Filter(string ownerFilter, string alias = "") => ownerFilter.Replace("owner_id", alias + "owner_id");

    private static BoardMetrics Compose(MetricsQuery query, string? workStarted, List<(string Key, string Name, StageOutcome Outcome)> stages,
        List<(DateOnly Day, string Stage, int Entered, int Exited, int Done, int Warnings, int Overrides)> daily, Dictionary<string, int> before,
        Dictionary<string, (int Count, double Average, double P50, double P85, double P90, double P95)> stays,
        List<(Guid Card, string Title, string Stage, DateTimeOffset Done, DateTimeOffset Created, DateTimeOffset? Started)> done,
        List<(Guid Card, string Title, string Stage, DateTimeOffset Since, DateTimeOffset? NextAction, string? Owner, decimal Value, int? Probability, string Currency)> open,
        Dictionary<string, int> reached, int created, DateTimeOffset now, long sequence)
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

        // Aging: an open card is at risk when it has been in its stage longer than the stage's 85th
        // percentile (over the period's finished stays), or its next action is missing or overdue.
        var aging = open.Select(o =>
        {
            var age = (now - o.Since).TotalDays;
            var p85 = stays.TryGetValue(o.Stage, out var s) ? s.P85 : (double?)null;
            var next = CardHealth.NextAction(o.NextAction, now, TimeZoneInfo.Utc);
            var atRisk = (p85 is { } limit && age > limit) || next is NextActionState.None or NextActionState.Overdue;
            return (Card: new AgingCard(o.Card, o.Title, o.Stage, DurationFigures.Round(age), next, atRisk, o.Owner), Ratio: p85 is > 0 ? age / p85.Value : 0);
        }).ToList();
        var shown = aging.OrderByDescending(a => a.Card.AtRisk).ThenByDescending(a => a.Ratio).ThenByDescending(a => a.Card.AgeDays)
            .Take(AgingShown).Select(a => a.Card).ToList();

        // Bottleneck: the stage's share of the period's waiting (days cards spent in open stages), times
        // how many days its cards now would take to leave at the period's pace (WIP ÷ exits per day);
        // shown on a scale where the worst stage is 100.
        var openStages = stages.Where(s => s.Outcome == StageOutcome.Open).Select(s => s.Key).ToHashSet();
        double Waited(string stage) => stays.TryGetValue(stage, out var s) ? s.Count * s.Average : 0;
        var totalWaited = openStages.Sum(Waited);
        var wipNow = open.GroupBy(o => o.Stage).ToDictionary(g => g.Key, g => g.Count());
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
                rows.Sum(r => r.Warnings), rows.Sum(r => r.Overrides), worst > 0 ? Math.Round(raw[s.Key] / worst * 100, 1) : 0);
        }).ToList();

        var won = done.Count(d => outcome.GetValueOrDefault(d.Stage) == StageOutcome.Won);
        var lost = done.Count(d => outcome.GetValueOrDefault(d.Stage) == StageOutcome.Lost);
        var funnel = stages.Where(s => s.Outcome != StageOutcome.Lost)
            .Select(s => new FunnelStep(s.Key, s.Name, reached.GetValueOrDefault(s.Key), created > 0 ? Math.Round(reached.GetValueOrDefault(s.Key) / (double)created, 3) : 0)).ToList();

        return new BoardMetrics(query.EntityType, query.From, query.To, query.Period, query.OwnerId, workStarted, stageFigures,
            DurationFigures.Of(lead), DurationFigures.Of(cycle), points, throughput, flow, shown, open.Count, aging.Count(a => a.Card.AtRisk),
            won + lost > 0 ? Math.Round(won / (double)(won + lost), 3) : null, won, lost, funnel,
            Predict(query, days, byDay, open, stages, now), sequence);
    }

    /// <summary>Monte Carlo over the period's days from the board's first activity in it (each day's cards
    /// done, empty days too): how many by
    /// the asked date (default: the end of this month), when the asked number (default: every open
    /// card) will be done; for opportunities, the probability-weighted value of the cards furthest along
    /// that many finishing would take.</summary>
    private static ForecastFigures Predict(MetricsQuery query, List<DateOnly> days, ILookup<DateOnly, (DateOnly Day, string Stage, int Entered, int Exited, int Done, int Warnings, int Overrides)> byDay,
        List<(Guid Card, string Title, string Stage, DateTimeOffset Since, DateTimeOffset? NextAction, string? Owner, decimal Value, int? Probability, string Currency)> open,
        List<(string Key, string Name, StageOutcome Outcome)> stages, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        // The days before the board's first activity in the period say nothing about its pace: left out.
        var first = days.FirstOrDefault(d => byDay[d].Any(r => r.Entered > 0), days[^1]);
        var sample = days.Where(d => d >= first && d <= today).Select(d => byDay[d].Sum(r => r.Done)).ToList();
        var by = query.ForecastBy ?? new DateOnly(today.Year, today.Month, 1).AddMonths(1).AddDays(-1);
        var ahead = Math.Max(0, by.DayNumber - today.DayNumber);
        var howMany = Forecast.HowMany(sample, ahead);
        var items = query.ForecastItems ?? open.Count;
        var when = Forecast.When(sample, items);
        IReadOnlyList<decimal>? weighted = null;
        string? currency = null;
        if (query.EntityType == EntityTypes.Opportunity)
        {
            var order = stages.Select((s, i) => (s.Key, i)).ToDictionary(s => s.Key, s => s.i);
            var furthest = open.OrderByDescending(o => order.GetValueOrDefault(o.Stage)).ThenByDescending(o => o.Probability ?? 0).ThenByDescending(o => o.Value).ToList();
            decimal Weighted(int n) => furthest.Take(n).Sum(o => o.Value * (o.Probability ?? 0) / 100m);
            weighted = [Weighted(howMany.At50), Weighted(howMany.At85), Weighted(howMany.At95)];
            currency = open.GroupBy(o => o.Currency).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
        }
        return new ForecastFigures(sample.Count, by, ahead, howMany, items, when, weighted, currency);
    }
}

namespace KanbanBlazor.Core.Metrics;

/// <summary>The periods the flow counters are kept for (kanban_metrics.period), each starting at a UTC
/// boundary: the hour, the day, the week from Monday.</summary>
public enum MetricPeriod { Hour, Day, Week }

public static class MetricPeriods
{
    public static readonly IReadOnlyList<MetricPeriod> All = [MetricPeriod.Hour, MetricPeriod.Day, MetricPeriod.Week];

    public static string Name(this MetricPeriod period) => period switch
    {
        MetricPeriod.Hour => "hour",
        MetricPeriod.Day => "day",
        _ => "week",
    };

    /// <summary>The start (UTC) of the period that holds <paramref name="at"/>.</summary>
    public static DateTimeOffset Start(this MetricPeriod period, DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var day = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
        return period switch
        {
            MetricPeriod.Hour => day.AddHours(utc.Hour),
            MetricPeriod.Day => day,
            _ => day.AddDays(-(((int)utc.DayOfWeek + 6) % 7)),
        };
    }
}

/// <summary>One row of counters: what entered and left a stage in a period, the cards done in it (a
/// closing stage's row) and the milliseconds summed for averages (whole numbers, so that taking a card's contribution away leaves exactly nothing): finished stays by when they ended, lead
/// times by when their card was done. All of them add up across periods and owners.</summary>
public readonly record struct FlowCounts(int Entered, int Exited, int Done, long StayMs, long LeadMs)
{
    public static FlowCounts operator +(FlowCounts a, FlowCounts b) =>
        new(a.Entered + b.Entered, a.Exited + b.Exited, a.Done + b.Done, a.StayMs + b.StayMs, a.LeadMs + b.LeadMs);

    public static FlowCounts operator -(FlowCounts a) => new(-a.Entered, -a.Exited, -a.Done, -a.StayMs, -a.LeadMs);

    public bool IsZero => Entered == 0 && Exited == 0 && Done == 0 && StayMs == 0 && LeadMs == 0;
}

/// <summary>Where a card's counters go: its stage, its owner (<see cref="Guid.Empty"/> for none), the period.</summary>
public readonly record struct FlowCountKey(string Stage, Guid OwnerId, MetricPeriod Period, DateTimeOffset Start);

/// <summary>
/// What one card adds to the flow counters, from its timeline (<see cref="FlowHistory.Timelines"/>), as
/// the card is now: its current owner and the board's current closing stages. The counters of a board
/// are the sum of its cards' contributions, so a card whose log grows is counted again by taking its
/// old contribution away and adding its new one; the rebuild adds every card's, and both must agree.
/// </summary>
public static class FlowContributions
{
    public static IReadOnlyDictionary<FlowCountKey, FlowCounts> Of(CardTimeline timeline, Guid ownerId, IReadOnlySet<string> closing)
    {
        var counts = new Dictionary<FlowCountKey, FlowCounts>();
        void Add(string stage, DateTimeOffset at, FlowCounts delta)
        {
            foreach (var period in MetricPeriods.All)
            {
                var key = new FlowCountKey(stage, ownerId, period, period.Start(at));
                counts[key] = counts.GetValueOrDefault(key) + delta;
            }
        }
        foreach (var stay in timeline.Stays)
        {
            Add(stay.Stage, stay.Entered, new(1, 0, 0, 0, 0));
            if (stay.Left is { } left) Add(stay.Stage, left, new(0, 1, 0, Ms(left - stay.Entered), 0));
        }
        if (timeline.DoneAt(closing) is { } done)
            Add(timeline.Current.Stage, done, new(0, 0, 1, 0, Ms(done - timeline.Stays[0].Entered)));
        return counts;
    }

    private static long Ms(TimeSpan duration) => (long)duration.TotalMilliseconds;

    /// <summary>Adds <paramref name="delta"/> (or takes it away) into <paramref name="total"/>, dropping rows that come to zero.</summary>
    public static void Merge(Dictionary<FlowCountKey, FlowCounts> total, IReadOnlyDictionary<FlowCountKey, FlowCounts> delta, bool subtract = false)
    {
        foreach (var (key, value) in delta)
        {
            var sum = total.GetValueOrDefault(key) + (subtract ? -value : value);
            if (sum.IsZero) total.Remove(key);
            else total[key] = sum;
        }
    }
}

namespace KanbanBlazor.Core.Metrics;

/// <summary>One card's entry into a stage as the log has it: created in it (<see cref="FromStage"/> null)
/// or moved there. <see cref="UndoOf"/> names the move an undo takes back; <see cref="MoveId"/> is this
/// entry's own id, for the undo that may take it back later. A redo is given as a plain move (no
/// <see cref="UndoOf"/>): it moves the card again, at its own time, and the undo it reverses drops out
/// with the move that undo took back.</summary>
public sealed record FlowEntry(Guid CardId, Guid MoveId, DateTimeOffset At, string? FromStage, string ToStage, Guid? UndoOf = null);

/// <summary>A card's time in one stage: from <see cref="Entered"/> until <see cref="Left"/> (null: still there).</summary>
public sealed record Stay(string Stage, DateTimeOffset Entered, DateTimeOffset? Left)
{
    public TimeSpan? Duration => Left - Entered;
}

/// <summary>A card's path through the board, stay by stay, with undone moves taken out.</summary>
public sealed record CardTimeline(Guid CardId, IReadOnlyList<Stay> Stays)
{
    public Stay Current => Stays[^1];

    /// <summary>When the card entered its current stage, if that is one of <paramref name="closing"/>: it is done.</summary>
    public DateTimeOffset? DoneAt(IReadOnlySet<string> closing) => closing.Contains(Current.Stage) ? Current.Entered : null;

    /// <summary>When the card first entered <paramref name="stage"/>, if ever.</summary>
    public DateTimeOffset? FirstEntered(string stage) => Stays.FirstOrDefault(s => s.Stage == stage)?.Entered;
}

/// <summary>A set of durations summed up as the dashboard shows them.</summary>
public sealed record DurationSummary(int Count, TimeSpan Average, TimeSpan Median, TimeSpan P85, TimeSpan P90)
{
    public static readonly DurationSummary Empty = new(0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    public static DurationSummary Of(IEnumerable<TimeSpan> durations)
    {
        var seconds = durations.Select(d => d.TotalSeconds).ToList();
        if (seconds.Count == 0) return Empty;
        TimeSpan At(double fraction) => TimeSpan.FromSeconds(Cards.CardHealth.Percentile(seconds, fraction)!.Value);
        return new(seconds.Count, TimeSpan.FromSeconds(seconds.Average()), At(0.5), At(0.85), At(0.9));
    }
}

/// <summary>
/// Flow metrics from a board's log, as pure functions: each card's timeline (an undone move and the
/// undo that took it back both leave it, as if neither happened), lead time (created → done), cycle
/// time (first entry into the work-started stage → done), time in each stage (every finished stay,
/// re-entries included) and throughput (cards done per period).
/// </summary>
public static class FlowHistory
{
    /// <summary>Every card's timeline, from its entries in log order.</summary>
    public static IReadOnlyList<CardTimeline> Timelines(IEnumerable<FlowEntry> entries)
    {
        var all = entries.ToList();
        var undone = all.Where(e => e.UndoOf is not null).Select(e => e.UndoOf!.Value).ToHashSet();
        var timelines = new List<CardTimeline>();
        foreach (var card in all.Where(e => e.UndoOf is null && !undone.Contains(e.MoveId)).GroupBy(e => e.CardId))
        {
            var stays = new List<Stay>();
            foreach (var entry in card.OrderBy(e => e.At))
            {
                if (stays.Count > 0 && stays[^1].Stage == entry.ToStage) continue; // a reorder within the stage
                if (stays.Count > 0) stays[^1] = stays[^1] with { Left = entry.At };
                stays.Add(new Stay(entry.ToStage, entry.At, null));
            }
            if (stays.Count > 0) timelines.Add(new CardTimeline(card.Key, stays));
        }
        return timelines;
    }

    /// <summary>Created → done, for each card done (in a closing stage now), by when it was done.</summary>
    public static IReadOnlyList<(Guid CardId, DateTimeOffset Done, TimeSpan LeadTime)> LeadTimes(IEnumerable<CardTimeline> timelines, IReadOnlySet<string> closing) =>
        timelines.Where(t => t.DoneAt(closing) is not null)
            .Select(t => (t.CardId, t.DoneAt(closing)!.Value, t.DoneAt(closing)!.Value - t.Stays[0].Entered))
            .OrderBy(t => t.Item2).ToList();

    /// <summary>First entry into <paramref name="workStarted"/> → done, for each card done that went through it.</summary>
    public static IReadOnlyList<(Guid CardId, DateTimeOffset Done, TimeSpan CycleTime)> CycleTimes(IEnumerable<CardTimeline> timelines, string workStarted, IReadOnlySet<string> closing) =>
        timelines.Where(t => t.DoneAt(closing) is not null && t.FirstEntered(workStarted) is not null)
            .Select(t => (t.CardId, t.DoneAt(closing)!.Value, t.DoneAt(closing)!.Value - t.FirstEntered(workStarted)!.Value))
            .OrderBy(t => t.Item2).ToList();

    /// <summary>Every finished stay's duration, by stage (a card that re-enters a stage counts each stay).</summary>
    public static IReadOnlyDictionary<string, DurationSummary> TimeInStage(IEnumerable<CardTimeline> timelines) =>
        timelines.SelectMany(t => t.Stays).Where(s => s.Left is not null)
            .GroupBy(s => s.Stage).ToDictionary(g => g.Key, g => DurationSummary.Of(g.Select(s => s.Duration!.Value)));

    /// <summary>Cards done per day (UTC) from <paramref name="from"/> to <paramref name="to"/>, every day present (zero when none).</summary>
    public static IReadOnlyList<(DateOnly Day, int Done)> ThroughputPerDay(IEnumerable<CardTimeline> timelines, IReadOnlySet<string> closing, DateOnly from, DateOnly to)
    {
        var done = timelines.Select(t => t.DoneAt(closing)).OfType<DateTimeOffset>()
            .GroupBy(at => DateOnly.FromDateTime(at.UtcDateTime)).ToDictionary(g => g.Key, g => g.Count());
        var days = new List<(DateOnly, int)>();
        for (var day = from; day <= to; day = day.AddDays(1)) days.Add((day, done.GetValueOrDefault(day)));
        return days;
    }
}

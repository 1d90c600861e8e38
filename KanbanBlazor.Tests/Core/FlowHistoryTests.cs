using KanbanBlazor.Core.Metrics;
using Xunit;

namespace KanbanBlazor.Tests.Core;

/// <summary>Flow metrics over a small history worked out by hand: four cards, one re-entering stages,
/// one whose win was undone, one reordered within its stage.</summary>
public sealed class FlowHistoryTests
{
    private static readonly DateTimeOffset Day0 = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), D = Guid.NewGuid();
    private static readonly Guid UndoneWin = Guid.NewGuid();
    private static readonly IReadOnlySet<string> Closing = new HashSet<string> { "won", "lost" };

    private static DateTimeOffset At(double days, double hours = 0) => Day0.AddDays(days).AddHours(hours);

    private static FlowEntry Entry(Guid card, DateTimeOffset at, string? from, string to, Guid? id = null, Guid? undoOf = null) =>
        new(card, id ?? Guid.NewGuid(), at, from, to, undoOf);

    private static readonly FlowEntry[] Log =
    [
        Entry(A, At(0, 9), null, "new"),
        Entry(B, At(0, 12), null, "new"),
        Entry(B, At(0, 18), "new", "contacted"),
        Entry(A, At(1, 9), "new", "contacted"),
        Entry(D, At(1), null, "new"),
        Entry(D, At(1, 3), "new", "new"),
        Entry(B, At(1, 18), "contacted", "new"),
        Entry(C, At(2), null, "contacted"),
        Entry(D, At(2), "new", "qualified"),
        Entry(C, At(2, 12), "contacted", "lost"),
        Entry(D, At(2, 12), "qualified", "won"),
        Entry(B, At(2, 18), "new", "contacted"),
        Entry(A, At(3, 9), "contacted", "qualified"),
        Entry(B, At(4, 18), "contacted", "won", UndoneWin),
        Entry(B, At(4, 19), "won", "contacted", undoOf: UndoneWin),
        Entry(A, At(5, 9), "qualified", "won"),
    ];

    private static IReadOnlyList<CardTimeline> Timelines => FlowHistory.Timelines(Log);

    [Fact]
    public void An_undone_move_and_its_undo_leave_the_cards_path_as_if_neither_happened()
    {
        var b = Timelines.Single(t => t.CardId == B);
        Assert.Equal(["new", "contacted", "new", "contacted"], b.Stays.Select(s => s.Stage));
        Assert.Null(b.Current.Left);
        Assert.Null(b.DoneAt(Closing));
        // A reorder within a stage is not a new stay.
        Assert.Equal(["new", "qualified", "won"], Timelines.Single(t => t.CardId == D).Stays.Select(s => s.Stage));
    }

    [Fact]
    public void Lead_time_runs_from_creation_to_done_and_cycle_time_from_work_starting()
    {
        var lead = FlowHistory.LeadTimes(Timelines, Closing).ToDictionary(l => l.CardId, l => l.LeadTime);
        Assert.Equal(new Dictionary<Guid, TimeSpan> { [A] = TimeSpan.FromDays(5), [C] = TimeSpan.FromHours(12), [D] = TimeSpan.FromHours(36) }, lead);

        var cycle = FlowHistory.CycleTimes(Timelines, "qualified", Closing).ToDictionary(c => c.CardId, c => c.CycleTime);
        Assert.Equal(new Dictionary<Guid, TimeSpan> { [A] = TimeSpan.FromDays(2), [D] = TimeSpan.FromHours(12) }, cycle);

        // 12 h, 36 h, 120 h: average 56 h; median 36 h; p85 at rank 1.7 = 36 + 0.7 × 84 h; p90 at rank 1.8 = 36 + 0.8 × 84 h.
        var summary = DurationSummary.Of(lead.Values);
        Assert.Equal((3, 56.0, 36.0), (summary.Count, summary.Average.TotalHours, summary.Median.TotalHours));
        Assert.Equal(94.8, summary.P85.TotalHours, 6);
        Assert.Equal(103.2, summary.P90.TotalHours, 6);
    }

    [Fact]
    public void Time_in_stage_counts_every_finished_stay_including_a_second_one_in_the_same_stage()
    {
        var stages = FlowHistory.TimeInStage(Timelines);

        // New: A 24 h, B 6 h then 24 h, D 24 h. Contacted: A 48 h, B 24 h (its second stay is open), C 12 h. Qualified: A 48 h, D 12 h.
        Assert.Equal((4, 19.5, 24.0), (stages["new"].Count, stages["new"].Average.TotalHours, stages["new"].Median.TotalHours));
        Assert.Equal((3, 28.0, 24.0), (stages["contacted"].Count, stages["contacted"].Average.TotalHours, stages["contacted"].Median.TotalHours));
        Assert.Equal((2, 30.0), (stages["qualified"].Count, stages["qualified"].Average.TotalHours));
        Assert.False(stages.ContainsKey("won"));
    }

    [Fact]
    public void Throughput_counts_cards_done_each_day_with_the_empty_days_present()
    {
        var days = FlowHistory.ThroughputPerDay(Timelines, Closing, DateOnly.FromDateTime(Day0.UtcDateTime), DateOnly.FromDateTime(At(5).UtcDateTime));
        Assert.Equal([0, 0, 2, 0, 0, 1], days.Select(d => d.Done));
    }

    [Fact]
    public void Nothing_gives_empty_figures()
    {
        Assert.Empty(FlowHistory.Timelines([]));
        Assert.Equal(DurationSummary.Empty, DurationSummary.Of([]));
    }

    [Fact]
    public void A_redone_move_counts_from_the_redo_and_an_undone_redo_leaves_nothing()
    {
        Guid move = Guid.NewGuid(), undo = Guid.NewGuid(), redo = Guid.NewGuid();
        FlowEntry[] redone =
        [
            Entry(A, At(0), null, "new"),
            Entry(A, At(1), "new", "contacted", move),
            Entry(A, At(1, 1), "contacted", "new", undo, undoOf: move),
            // A redo is given as a plain move: the card moves again, at the redo's time.
            Entry(A, At(2), "new", "contacted", redo),
        ];
        var stays = FlowHistory.Timelines(redone).Single().Stays;
        Assert.Equal([("new", At(0), (DateTimeOffset?)At(2)), ("contacted", At(2), null)], stays.Select(s => (s.Stage, s.Entered, s.Left)));

        FlowEntry[] undoneAgain = [.. redone, Entry(A, At(3), "contacted", "new", undoOf: redo)];
        Assert.Equal([("new", At(0), (DateTimeOffset?)null)], FlowHistory.Timelines(undoneAgain).Single().Stays.Select(s => (s.Stage, s.Entered, s.Left)));
    }

    [Fact]
    public void A_cards_counters_are_its_entries_exits_and_done_by_period_and_take_away_to_nothing()
    {
        // D: new (day 1 00:00) → qualified (day 2 00:00) → won (day 2 12:00). Day 1 is a Tuesday.
        var d = Timelines.Single(t => t.CardId == D);
        var owner = Guid.NewGuid();
        var counts = FlowContributions.Of(d, owner, Closing);
        FlowCounts Day(string stage, double day) => counts[new FlowCountKey(stage, owner, MetricPeriod.Day, At(day))];
        Assert.Equal(new FlowCounts(1, 0, 0, 0, 0), Day("new", 1));
        Assert.Equal(new FlowCounts(0, 1, 0, (long)TimeSpan.FromHours(24).TotalMilliseconds, 0), Day("new", 2));
        Assert.Equal(new FlowCounts(1, 1, 0, (long)TimeSpan.FromHours(12).TotalMilliseconds, 0), Day("qualified", 2));
        Assert.Equal(new FlowCounts(1, 0, 1, 0, (long)TimeSpan.FromHours(36).TotalMilliseconds), Day("won", 2));
        // The week from Monday (day 0) holds all of it; the hour of the win holds only the win.
        var week = counts.Where(c => c.Key.Period == MetricPeriod.Week).ToList();
        Assert.All(week, c => Assert.Equal(At(0), c.Key.Start));
        Assert.Equal(3, week.Sum(c => c.Value.Entered));
        Assert.Equal(new FlowCounts(1, 0, 1, 0, (long)TimeSpan.FromHours(36).TotalMilliseconds), counts[new FlowCountKey("won", owner, MetricPeriod.Hour, At(2, 12))]);

        var total = new Dictionary<FlowCountKey, FlowCounts>();
        FlowContributions.Merge(total, counts);
        FlowContributions.Merge(total, counts, subtract: true);
        Assert.Empty(total);
    }
}

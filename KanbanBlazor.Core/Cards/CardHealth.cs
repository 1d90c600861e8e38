namespace KanbanBlazor.Core.Cards;

/// <summary>Where a card's next action stands for the person looking, in their time zone.</summary>
public enum NextActionState
{
    None,
    Future,
    Today,
    Overdue,
}

/// <summary>A stage's usual time: the 85th percentile of how long cards stayed in it before leaving, over
/// <see cref="Stays"/> finished stays.</summary>
public sealed record StageUsualTime(TimeSpan P85, int Stays);

/// <summary>
/// A card's health at a glance: its next action overdue, due today (in the reader's time zone), later or
/// missing, and whether it has been in its stage longer than cards usually stay there (the stage's 85th
/// percentile, once enough cards have left it for that to mean something).
/// </summary>
public static class CardHealth
{
    /// <summary>Fewer finished stays than this and a stage has no usual time yet: nothing is marked.</summary>
    public const int MinimumStays = 5;

    public static NextActionState NextAction(DateTimeOffset? at, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (at is not { } due) return NextActionState.None;
        if (due < now) return NextActionState.Overdue;
        return TimeZoneInfo.ConvertTime(due, zone).Date == TimeZoneInfo.ConvertTime(now, zone).Date ? NextActionState.Today : NextActionState.Future;
    }

    /// <summary>How long the card has been in its stage when that is longer than the stage's usual time;
    /// null when it is not (or either is unknown).</summary>
    public static TimeSpan? AgedFor(DateTimeOffset? enteredStageAt, DateTimeOffset now, StageUsualTime? usual) =>
        enteredStageAt is { } entered && usual is { Stays: >= MinimumStays } u && now - entered > u.P85 ? now - entered : null;

    /// <summary>The <paramref name="fraction"/> percentile of <paramref name="values"/>, interpolated between
    /// the two nearest ranks (as PostgreSQL's percentile_cont); null for none.</summary>
    public static double? Percentile(IEnumerable<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        var rank = fraction * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = (int)Math.Ceiling(rank);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }
}

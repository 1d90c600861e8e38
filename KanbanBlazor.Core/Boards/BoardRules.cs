namespace KanbanBlazor.Core.Boards;

/// <summary>A move from one stage to another that a board allows.</summary>
public readonly record struct StageTransition(string From, string To);

/// <summary>
/// What a board's moves must respect: its stages (with their WIP limits and whether entering needs a
/// reason), which stage-to-stage moves are allowed (null: any to any, the default; admins may
/// restrict), and the stage where work starts (for cycle time).
/// </summary>
public sealed record BoardRules(IReadOnlyList<BoardStage> Stages, IReadOnlySet<StageTransition>? AllowedTransitions = null, string? WorkStartedStage = null)
{
    /// <summary>Stages by key, with no limits, reasons or restrictions.</summary>
    public static BoardRules AnyToAny(IEnumerable<string> stageKeys) =>
        new(stageKeys.Select(k => new BoardStage(k, k, StageOutcome.Open, null, null)).ToList());

    public BoardStage? Stage(string key) => Stages.FirstOrDefault(s => s.Key == key);

    /// <summary>Whether a card may go from <paramref name="from"/> to <paramref name="to"/>; staying in
    /// a stage (reordering) is always allowed.</summary>
    public bool Allows(string from, string to) => from == to || AllowedTransitions is null || AllowedTransitions.Contains(new(from, to));
}

/// <summary>How full a stage is against its limits.</summary>
public sealed record WipStatus(string Stage, int Count, int? SoftLimit, int? HardLimit)
{
    public bool AtSoftLimit => SoftLimit is { } soft && Count >= soft;
    public bool AtHardLimit => HardLimit is { } hard && Count >= hard;
}

using System.Text.RegularExpressions;

namespace KanbanBlazor.Core.Boards;

/// <summary>One thing wrong with a proposed configuration: which field (as the API names it) and why,
/// in English and as a code (with the bound or stage it names) for the reader's language.</summary>
public sealed record ConfigProblem(string Field, string Message, string Code = "invalid", string? Argument = null);

/// <summary>
/// Checks a board configuration an Admin proposes before anything is saved: stage keys (stable ids,
/// lower-case) unique and well-formed, names present and bounded, limits positive with the soft one
/// not above the hard one, at least one open stage, transitions and the work-started stage naming
/// stages that exist. Removing a stage that still holds cards is the board transaction's check.
/// </summary>
public static partial class BoardConfigCheck
{
    public const int MaxStages = 20;
    public const int MaxNameLength = 60;
    public const int MaxLimit = 100_000;

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex KeyPattern();

    public static IReadOnlyList<ConfigProblem> Validate(BoardRules proposed)
    {
        var problems = new List<ConfigProblem>();
        var stages = proposed.Stages;
        if (stages.Count == 0) problems.Add(new("stages", "A board needs at least one stage.", "no_stages"));
        if (stages.Count > MaxStages) problems.Add(new("stages", $"A board may have at most {MaxStages} stages.", "too_many_stages", $"{MaxStages}"));
        var seen = new HashSet<string>();
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var field = $"stages[{i}]";
            if (stage.Key is null || !KeyPattern().IsMatch(stage.Key))
                problems.Add(new($"{field}.id", "A stage id is 1 to 40 lower-case letters, digits or '_', starting with a letter.", "bad_id"));
            else if (!seen.Add(stage.Key))
                problems.Add(new($"{field}.id", $"The stage id '{stage.Key}' is used twice.", "duplicate_id", stage.Key));
            if (string.IsNullOrWhiteSpace(stage.Name))
                problems.Add(new($"{field}.name", "Every stage needs a name.", "name_required"));
            else if (stage.Name.Trim().Length > MaxNameLength || stage.Name.Any(char.IsControl))
                problems.Add(new($"{field}.name", $"A stage name is at most {MaxNameLength} characters, on one line.", "name_too_long", $"{MaxNameLength}"));
            if (stage.WipSoftLimit is < 1 or > MaxLimit)
                problems.Add(new($"{field}.wipSoftLimit", $"A limit is a whole number from 1 to {MaxLimit}.", "limit_range", $"{MaxLimit}"));
            if (stage.WipHardLimit is < 1 or > MaxLimit)
                problems.Add(new($"{field}.wipHardLimit", $"A limit is a whole number from 1 to {MaxLimit}.", "limit_range", $"{MaxLimit}"));
            if (stage is { WipSoftLimit: { } soft, WipHardLimit: { } hard } && soft > hard)
                problems.Add(new($"{field}.wipSoftLimit", "The soft limit cannot be above the hard limit.", "soft_above_hard"));
        }
        if (stages.Count > 0 && stages.All(s => s.Outcome != StageOutcome.Open))
            problems.Add(new("stages", "At least one stage must be open (neither won nor lost).", "no_open_stage"));

        foreach (var transition in proposed.AllowedTransitions ?? new HashSet<StageTransition>())
        {
            foreach (var end in new[] { transition.From, transition.To })
                if (!seen.Contains(end))
                    problems.Add(new("allowedTransitions", $"The transition {transition.From} → {transition.To} names a stage that is not on the board.", "unknown_transition_stage", end));
        }
        if (proposed.WorkStartedStage is { } started)
        {
            var stage = proposed.Stage(started);
            if (stage is null) problems.Add(new("workStartedStage", $"The stage '{started}' is not on the board.", "unknown_stage", started));
            else if (stage.Outcome != StageOutcome.Open) problems.Add(new("workStartedStage", "Work starts in an open stage, not a won or lost one.", "work_started_closed"));
        }
        return problems.DistinctBy(p => (p.Field, p.Message)).ToList();
    }
}

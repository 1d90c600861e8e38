using System.Globalization;
using System.Text;

namespace KanbanBlazor.Core.Boards;

/// <summary>What one change to a board's configuration was, for people: the kind of change, the stage
/// it concerns (its key; null for board-wide changes) and the value before and after, as text.</summary>
public sealed record ConfigChange(ConfigChangeKind Kind, string? Stage, string? From, string? To);

public enum ConfigChangeKind
{
    StageAdded,
    StageRemoved,
    StageRenamed,
    StagesReordered,
    OutcomeChanged,
    SoftLimitChanged,
    HardLimitChanged,
    ReasonChanged,
    TransitionsChanged,
    WorkStartedChanged,
}

/// <summary>
/// Compares two configurations of a board, so that an Admin whose save was refused as stale sees what
/// the other Admin changed, stage by stage, and a new stage can be given a key from its name.
/// </summary>
public static class BoardConfigDiff
{
    public static IReadOnlyList<ConfigChange> Between(BoardRules before, BoardRules after)
    {
        var changes = new List<ConfigChange>();
        var old = before.Stages.ToDictionary(s => s.Key);
        var now = after.Stages.ToDictionary(s => s.Key);
        foreach (var stage in after.Stages.Where(s => !old.ContainsKey(s.Key)))
            changes.Add(new(ConfigChangeKind.StageAdded, stage.Key, null, stage.Name));
        foreach (var stage in before.Stages.Where(s => !now.ContainsKey(s.Key)))
            changes.Add(new(ConfigChangeKind.StageRemoved, stage.Key, stage.Name, null));

        var keptBefore = before.Stages.Where(s => now.ContainsKey(s.Key)).Select(s => s.Key).ToList();
        var keptAfter = after.Stages.Where(s => old.ContainsKey(s.Key)).Select(s => s.Key).ToList();
        if (!keptBefore.SequenceEqual(keptAfter))
            changes.Add(new(ConfigChangeKind.StagesReordered, null, string.Join(" → ", keptBefore.Select(k => old[k].Name)), string.Join(" → ", keptAfter.Select(k => now[k].Name))));

        foreach (var key in keptAfter)
        {
            var (a, b) = (old[key], now[key]);
            if (a.Name != b.Name) changes.Add(new(ConfigChangeKind.StageRenamed, key, a.Name, b.Name));
            if (a.Outcome != b.Outcome) changes.Add(new(ConfigChangeKind.OutcomeChanged, key, a.Outcome.ToString(), b.Outcome.ToString()));
            if (a.WipSoftLimit != b.WipSoftLimit) changes.Add(new(ConfigChangeKind.SoftLimitChanged, key, Text(a.WipSoftLimit), Text(b.WipSoftLimit)));
            if (a.WipHardLimit != b.WipHardLimit) changes.Add(new(ConfigChangeKind.HardLimitChanged, key, Text(a.WipHardLimit), Text(b.WipHardLimit)));
            if (a.RequiresReason != b.RequiresReason) changes.Add(new(ConfigChangeKind.ReasonChanged, key, Text(a.RequiresReason), Text(b.RequiresReason)));
        }

        if (!SameTransitions(before.AllowedTransitions, after.AllowedTransitions))
            changes.Add(new(ConfigChangeKind.TransitionsChanged, null, Text(before.AllowedTransitions), Text(after.AllowedTransitions)));
        if (before.WorkStartedStage != after.WorkStartedStage)
            changes.Add(new(ConfigChangeKind.WorkStartedChanged, null, before.WorkStartedStage, after.WorkStartedStage));
        return changes;
    }

    /// <summary>A stage key made from a name ("Follow-up call" → "follow_up_call"), unique among
    /// <paramref name="taken"/>: lower-case letters, digits and '_', starting with a letter, as
    /// <see cref="BoardConfigCheck"/> requires.</summary>
    public static string KeyFor(string name, IEnumerable<string> taken)
    {
        var used = taken.ToHashSet();
        var key = new StringBuilder();
        foreach (var c in (name ?? "").Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z' || (lower is >= '0' and <= '9' && key.Length > 0)) key.Append(lower);
            else if (key.Length > 0 && key[^1] != '_') key.Append('_');
        }
        var stem = key.ToString().Trim('_');
        if (stem.Length == 0) stem = "stage";
        if (stem.Length > 36) stem = stem[..36].TrimEnd('_');
        if (!used.Contains(stem)) return stem;
        for (var n = 2; ; n++)
            if (!used.Contains($"{stem}_{n}")) return $"{stem}_{n}";
    }

    private static bool SameTransitions(IReadOnlySet<StageTransition>? a, IReadOnlySet<StageTransition>? b) =>
        a is null || b is null ? a is null && b is null : a.SetEquals(b);

    private static string? Text(int? limit) => limit?.ToString(CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "yes" : "no";

    private static string? Text(IReadOnlySet<StageTransition>? transitions) =>
        transitions is null ? null : string.Join(", ", transitions.OrderBy(t => t.From, StringComparer.Ordinal).ThenBy(t => t.To, StringComparer.Ordinal).Select(t => $"{t.From} → {t.To}"));
}

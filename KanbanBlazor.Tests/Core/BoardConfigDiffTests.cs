using KanbanBlazor.Core.Boards;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class BoardConfigDiffTests
{
    private static BoardStage Stage(string key, string name, int? soft = null, StageOutcome outcome = StageOutcome.Open) => new(key, name, outcome, soft, null);

    private static readonly BoardRules Before = new(
        [Stage("new", "New"), Stage("contacted", "Contacted"), Stage("qualified", "Qualified", 5), Stage("won", "Won", outcome: StageOutcome.Won)],
        null, "contacted");

    [Fact]
    public void The_same_configuration_has_no_changes() => Assert.Empty(BoardConfigDiff.Between(Before, Before with { }));

    [Fact]
    public void Each_kind_of_change_is_named_with_its_stage_and_values()
    {
        var after = new BoardRules(
            [Stage("qualified", "Qualified", 8), Stage("new", "Fresh"), Stage("demo", "Demo"), Stage("won", "Won", outcome: StageOutcome.Lost) with { RequiresReason = true }],
            new HashSet<StageTransition> { new("new", "qualified") }, "qualified");

        var changes = BoardConfigDiff.Between(Before, after);

        Assert.Equal(
        [
            new ConfigChange(ConfigChangeKind.StageAdded, "demo", null, "Demo"),
            new ConfigChange(ConfigChangeKind.StageRemoved, "contacted", "Contacted", null),
            new ConfigChange(ConfigChangeKind.StagesReordered, null, "New → Qualified → Won", "Qualified → Fresh → Won"),
            new ConfigChange(ConfigChangeKind.SoftLimitChanged, "qualified", "5", "8"),
            new ConfigChange(ConfigChangeKind.StageRenamed, "new", "New", "Fresh"),
            new ConfigChange(ConfigChangeKind.OutcomeChanged, "won", "Won", "Lost"),
            new ConfigChange(ConfigChangeKind.ReasonChanged, "won", "no", "yes"),
            new ConfigChange(ConfigChangeKind.TransitionsChanged, null, null, "new → qualified"),
            new ConfigChange(ConfigChangeKind.WorkStartedChanged, null, "contacted", "qualified"),
        ], changes);
    }

    [Fact]
    public void Adding_a_stage_between_others_is_not_a_reordering()
    {
        var after = Before with { Stages = [.. Before.Stages.Take(2), Stage("call", "Call"), .. Before.Stages.Skip(2)] };
        Assert.Equal([new ConfigChange(ConfigChangeKind.StageAdded, "call", null, "Call")], BoardConfigDiff.Between(Before, after));
    }

    [Theory]
    [InlineData("Follow-up call", "follow_up_call")]
    [InlineData("Negociação", "negociacao")]
    [InlineData("  2nd meeting!! ", "nd_meeting")]
    [InlineData("¿?", "stage")]
    [InlineData("Proposal", "proposal_2")]
    [InlineData("New", "new_3")]
    public void A_new_stage_key_comes_from_its_name_and_is_unique_and_valid(string name, string key)
    {
        var made = BoardConfigDiff.KeyFor(name, ["proposal", "new", "new_2"]);
        Assert.Equal(key, made);
        Assert.DoesNotContain(BoardConfigCheck.Validate(new BoardRules([Stage(made, "x")])), p => p.Field.EndsWith(".id"));
    }

    [Fact]
    public void A_long_name_makes_a_key_within_bounds() =>
        Assert.True(BoardConfigDiff.KeyFor(new string('a', 100), []).Length <= 40);
}

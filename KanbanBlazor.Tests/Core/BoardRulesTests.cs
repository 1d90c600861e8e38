using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using Xunit;

namespace KanbanBlazor.Tests.Core;

/// <summary>A move against the board's configuration: transitions, reasons, WIP limits and overrides.</summary>
public sealed class BoardRulesTests
{
    private static readonly Guid Manager = Guid.NewGuid();
    private static readonly CardState Card = new(Guid.NewGuid(), "new", 1, Manager);

    private static readonly BoardRules Rules = new(
    [
        new BoardStage("new", "New", StageOutcome.Open, null, null),
        new BoardStage("proposal", "Proposal", StageOutcome.Open, 3, 5),
        new BoardStage("won", "Won", StageOutcome.Won, null, null, RequiresReason: true),
    ]);

    private static MoveDecision Decide(string to, int inTarget = 0, string? reason = null, bool overrideWip = false,
        TenantRole role = TenantRole.Manager, BoardRules? rules = null, CardState? card = null) =>
        MoveCheck.Decide(new MoveRequest(Card.Id, 1, to, 0, Reason: reason, WipOverride: overrideWip), card ?? Card, rules ?? Rules, inTarget, role, Manager);

    [Fact]
    public void Below_the_soft_limit_a_move_is_allowed_without_a_warning() =>
        Assert.False(Decide("proposal", inTarget: 1).WarnsOfWip);

    [Fact]
    public void Reaching_the_soft_limit_is_allowed_with_a_warning_that_says_how_full_the_stage_is()
    {
        var decision = Decide("proposal", inTarget: 2);
        Assert.True(decision.IsAllowed);
        Assert.True(decision.WarnsOfWip);
        Assert.Equal(new WipStatus("proposal", 3, 3, 5), decision.Wip);
    }

    [Fact]
    public void The_hard_limit_refuses_the_move_that_would_pass_it_and_allows_the_one_that_reaches_it()
    {
        Assert.True(Decide("proposal", inTarget: 4).IsAllowed);
        var full = Decide("proposal", inTarget: 5);
        Assert.Equal(MoveRefusal.WipHardLimit, full.Refusal);
        Assert.Equal(5, full.Wip?.Count);
    }

    [Fact]
    public void A_manager_overrides_the_hard_limit_only_with_a_reason_and_the_override_is_marked()
    {
        Assert.Equal(MoveRefusal.ReasonRequired, Decide("proposal", inTarget: 5, overrideWip: true).Refusal);
        var overridden = Decide("proposal", inTarget: 5, reason: "Quarter-end push", overrideWip: true);
        Assert.True(overridden.IsAllowed);
        Assert.True(overridden.WipOverridden);
    }

    [Fact]
    public void A_sales_rep_cannot_override_the_hard_limit_even_with_a_reason()
    {
        var own = Card with { OwnerId = Manager };
        Assert.Equal(MoveRefusal.WipHardLimit, Decide("proposal", inTarget: 5, reason: "please", overrideWip: true, role: TenantRole.SalesRep, card: own).Refusal);
    }

    [Fact]
    public void Entering_a_stage_that_requires_a_reason_needs_one()
    {
        Assert.Equal(MoveRefusal.ReasonRequired, Decide("won").Refusal);
        Assert.Equal(MoveRefusal.ReasonRequired, Decide("won", reason: "   ").Refusal);
        Assert.True(Decide("won", reason: "Signed the contract").IsAllowed);
        Assert.Equal(MoveRefusal.ReasonTooLong, Decide("won", reason: new string('x', MoveRequest.MaxReasonLength + 1)).Refusal);
    }

    [Fact]
    public void Restricted_transitions_allow_only_the_listed_moves_and_reordering_within_a_stage_is_always_allowed()
    {
        var restricted = Rules with { AllowedTransitions = new HashSet<StageTransition> { new("new", "proposal") } };
        Assert.True(Decide("proposal", rules: restricted).IsAllowed);
        Assert.Equal(MoveRefusal.TransitionNotAllowed, Decide("won", reason: "done", rules: restricted).Refusal);
        Assert.True(Decide("new", rules: restricted).IsAllowed);
    }

    [Fact]
    public void Reordering_within_a_full_stage_is_not_held_to_its_limit()
    {
        var inProposal = Card with { Stage = "proposal" };
        Assert.True(Decide("proposal", inTarget: 9, card: inProposal).IsAllowed);
    }
}

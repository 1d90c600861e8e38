using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Moves;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class MoveCheckTests
{
    private static readonly Guid Rep = Guid.NewGuid();
    private static readonly Guid Colleague = Guid.NewGuid();
    private static readonly string[] Stages = ["new", "contacted", "won"];
    private static readonly CardState RepsCard = new(Guid.NewGuid(), "new", 3, Rep);

    private static MoveDecision Decide(TenantRole role, Guid user, CardState? card = null, string to = "contacted", int version = 3, int index = 0, LastMove? last = null) =>
        MoveCheck.Decide(new MoveRequest(RepsCard.Id, version, to, index), card ?? RepsCard, Stages, role, user, last);

    [Theory]
    [InlineData(TenantRole.Admin)]
    [InlineData(TenantRole.Manager)]
    public void Admins_and_managers_may_move_anyone_s_card(TenantRole role) =>
        Assert.True(Decide(role, Colleague).IsAllowed);

    [Fact]
    public void A_drag_that_began_in_another_stage_than_the_card_is_in_now_is_stale_even_with_the_same_version()
    {
        var decision = MoveCheck.Decide(new MoveRequest(RepsCard.Id, 3, "won", 0, FromStage: "contacted"), RepsCard, Stages, TenantRole.Manager, Colleague,
            new LastMove("Morgan", "New", DateTimeOffset.UtcNow, "new"));
        Assert.Equal(MoveRefusal.StaleVersion, decision.Refusal);
        Assert.Equal("new", decision.LastMove?.ToStage);
        Assert.True(MoveCheck.Decide(new MoveRequest(RepsCard.Id, 3, "won", 0, FromStage: "new"), RepsCard, Stages, TenantRole.Manager, Colleague).IsAllowed);
    }

    [Fact]
    public void A_sales_rep_may_move_their_own_card() => Assert.True(Decide(TenantRole.SalesRep, Rep).IsAllowed);

    [Fact]
    public void A_sales_rep_may_not_move_a_colleague_s_card()
    {
        var decision = Decide(TenantRole.SalesRep, Colleague);
        Assert.Equal(MoveRefusal.NotPermitted, decision.Refusal);
        Assert.Equal("Sales reps can move only the cards they own.", decision.Message);
    }

    [Fact]
    public void A_viewer_may_not_move_even_their_own_card() =>
        Assert.Equal(MoveRefusal.NotPermitted, Decide(TenantRole.Viewer, Rep).Refusal);

    [Fact]
    public void A_missing_card_is_reported_as_not_found() =>
        Assert.Equal(MoveRefusal.CardNotFound,
            MoveCheck.Decide(new MoveRequest(Guid.NewGuid(), 1, "won", 0), null, Stages, TenantRole.Admin, Rep).Refusal);

    [Fact]
    public void A_stage_the_board_does_not_have_is_refused_by_name()
    {
        var decision = Decide(TenantRole.Admin, Rep, to: "archived");
        Assert.Equal(MoveRefusal.UnknownStage, decision.Refusal);
        Assert.Contains("'archived'", decision.Message);
    }

    [Fact]
    public void A_negative_position_is_refused() =>
        Assert.Equal(MoveRefusal.InvalidPosition, Decide(TenantRole.Admin, Rep, index: -1).Refusal);

    [Fact]
    public void A_move_from_an_old_version_names_who_moved_the_card_where_and_when()
    {
        var last = new LastMove("Morgan Acme", "Qualified", new DateTimeOffset(2026, 11, 21, 14, 2, 9, TimeSpan.Zero));
        var decision = Decide(TenantRole.Admin, Rep, version: 2, last: last);
        Assert.Equal(MoveRefusal.StaleVersion, decision.Refusal);
        Assert.Equal("Morgan Acme moved this card to Qualified at 14:02:09 UTC, after you loaded the board. The board has been refreshed.", decision.Message);
    }
}

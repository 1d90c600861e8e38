using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Ordering;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class BoardStateTests
{
    private static readonly BoardStage[] Stages =
        [new("new", "New", StageOutcome.Open, null, null), new("won", "Won", StageOutcome.Won, null, null)];

    private static BoardCard Card(string title, string stage, string position, decimal value = 100) =>
        new(Guid.NewGuid(), title, null, value, "USD", null, null, stage, position, 1, null, null);

    private static CardMoved Moved(BoardCard card, string to, string position) =>
        new(Guid.NewGuid(), card.Id, card.Stage, to, position, card.Version + 1) { ActorName = "Morgan", At = DateTimeOffset.UtcNow };

    [Fact]
    public void Cards_show_in_their_stage_in_position_order_with_the_stage_total()
    {
        var a = Card("A", "new", "k", 250);
        var b = Card("B", "new", "F", 50);
        var board = new BoardState("lead", 7, Stages, [a, b, Card("C", "won", "V")]);

        Assert.Equal(["B", "A"], board.CardsIn("new").Select(c => c.Title));
        Assert.Equal(300, board.TotalValueIn("new"));
        Assert.Single(board.CardsIn("won"));
    }

    [Fact]
    public void The_next_change_in_sequence_is_applied_and_placed_by_its_position()
    {
        var a = Card("A", "new", "F");
        var w1 = Card("W1", "won", "F");
        var w2 = Card("W2", "won", "k");
        var board = new BoardState("lead", 7, Stages, [a, w1, w2]);

        Assert.True(board.TryApply(8, Moved(a, "won", OrderingKey.Between("F", "k"))));

        Assert.Equal(8, board.Sequence);
        Assert.Empty(board.CardsIn("new"));
        Assert.Equal(["W1", "A", "W2"], board.CardsIn("won").Select(c => c.Title));
        Assert.Equal(2, board.Find(a.Id)!.Version);
    }

    [Fact]
    public void A_change_after_a_gap_is_not_applied_and_the_missing_sequence_is_known()
    {
        var a = Card("A", "new", "F");
        var board = new BoardState("lead", 7, Stages, [a]);

        Assert.False(board.TryApply(9, Moved(a, "won", "V")));
        Assert.Equal(7, board.Sequence);
        Assert.Equal(8, board.MissingSequence);
        Assert.Equal("new", board.Find(a.Id)!.Stage);
    }

    [Fact]
    public void Changes_arriving_out_of_order_are_held_until_the_missing_one_arrives()
    {
        var a = Card("A", "new", "F");
        var b = Card("B", "new", "k");
        var board = new BoardState("lead", 7, Stages, [a, b]);

        Assert.False(board.TryApply(9, Moved(b, "won", "V")));
        Assert.Equal(8, board.MissingSequence);
        Assert.Equal("new", board.Find(b.Id)!.Stage);

        Assert.True(board.TryApply(8, Moved(a, "won", "F")));
        Assert.Equal(9, board.Sequence);
        Assert.Null(board.MissingSequence);
        Assert.Equal(["A", "B"], board.CardsIn("won").Select(c => c.Title));
    }

    [Fact]
    public void A_change_the_board_already_has_is_ignored()
    {
        var a = Card("A", "new", "F");
        var board = new BoardState("lead", 7, Stages, [a]);

        Assert.True(board.TryApply(7, Moved(a, "won", "V")));
        Assert.Equal("new", board.Find(a.Id)!.Stage);
    }

    [Fact]
    public void A_local_move_shows_at_the_dropped_index_before_the_server_answers()
    {
        var a = Card("A", "new", "F");
        var w1 = Card("W1", "won", "F");
        var w2 = Card("W2", "won", "k");
        var board = new BoardState("lead", 7, Stages, [a, w1, w2]);

        board.MoveLocally(a.Id, "won", 1);

        Assert.Equal(["W1", "A", "W2"], board.CardsIn("won").Select(c => c.Title));
        Assert.Equal(7, board.Sequence);
    }

    [Fact]
    public void A_local_move_that_was_not_saved_is_taken_back_to_where_the_card_was()
    {
        var a = Card("A", "new", "F");
        var b = Card("B", "new", "k");
        var w = Card("W", "won", "V");
        var board = new BoardState("lead", 7, Stages, [a, b, w]);

        var original = board.MoveLocally(a.Id, "won", 0);
        board.Restore(original!);

        Assert.Equal(["A", "B"], board.CardsIn("new").Select(c => c.Title));
        Assert.Equal(["W"], board.CardsIn("won").Select(c => c.Title));
        Assert.Equal("new", board.Find(a.Id)!.Stage);
    }

    [Fact]
    public void Taking_back_a_local_move_leaves_a_card_that_a_confirmed_change_has_moved_since()
    {
        var a = Card("A", "new", "F");
        var board = new BoardState("lead", 7, Stages, [a]);
        var original = board.MoveLocally(a.Id, "won", 0);
        Assert.True(board.TryApply(8, Moved(a, "won", "V")));

        board.Restore(original!);

        Assert.Equal(["A"], board.CardsIn("won").Select(c => c.Title));
        Assert.Empty(board.CardsIn("new"));
    }

    [Theory]
    [InlineData(0, null, "F")]
    [InlineData(1, "F", "k")]
    [InlineData(2, "k", null)]
    [InlineData(9, "k", null)]
    public void The_position_for_a_drop_lies_between_the_cards_around_it(int index, string? before, string? after)
    {
        var key = KanbanBlazor.Core.Ordering.OrderingKey.At(["F", "k"], index);
        if (before is not null) Assert.True(string.CompareOrdinal(before, key) < 0);
        if (after is not null) Assert.True(string.CompareOrdinal(key, after) < 0);
    }

    [Fact]
    public void The_board_a_change_brings_is_taken_as_it_is_when_it_follows_on_and_no_own_move_is_showing()
    {
        var a = Card("A", "new", "F");
        var board = new BoardState("lead", 7, Stages, [a, Card("W", "won", "V")]);
        var moved = Moved(a, "won", "k");
        var after = BoardProjection.Apply(board.Current, 8, moved);

        Assert.True(board.TryApply(8, moved, after));
        Assert.Same(after, board.Current);

        // One that does not follow on (a gap) is held, not taken.
        var skipped = BoardProjection.Apply(after, 10, Moved(a with { Stage = "won", Version = 2 }, "new", "F"));
        Assert.False(board.TryApply(10, Moved(a with { Stage = "won", Version = 2 }, "new", "F"), skipped));
        Assert.Same(after, board.Current);
    }

    [Fact]
    public void While_an_own_move_is_showing_a_change_is_applied_to_this_copy_so_the_move_stays_visible()
    {
        var a = Card("A", "new", "F");
        var b = Card("B", "new", "k");
        var board = new BoardState("lead", 7, Stages, [a, b]);
        board.MoveLocally(a.Id, "won", 0);
        var elsewhere = Moved(b, "won", "V");
        var after = BoardProjection.Apply(new BoardState("lead", 7, Stages, [a, b]).Current, 8, elsewhere);

        Assert.True(board.TryApply(8, elsewhere, after));
        Assert.NotSame(after, board.Current);
        Assert.Equal(["A", "B"], board.CardsIn("won").Select(c => c.Title));

        board.Confirmed();
        var next = Moved(b with { Stage = "won", Position = "V", Version = 2 }, "new", "F");
        var afterNext = BoardProjection.Apply(board.Current, 9, next);
        Assert.True(board.TryApply(9, next, afterNext));
        Assert.Same(afterNext, board.Current);
    }
}

using KanbanBlazor.Core.Boards;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class BoardProjectionTests
{
    private static readonly BoardStage[] Stages =
        [new("new", "New", StageOutcome.Open, null, null), new("won", "Won", StageOutcome.Won, null, null)];

    private static BoardCard Card(string title, string stage, string position) =>
        new(Guid.NewGuid(), title, null, 100, "USD", null, null, stage, position, 1, null, null);

    [Fact]
    public void Each_event_changes_the_board_it_is_applied_to_and_leaves_the_original_as_it_was()
    {
        var a = Card("A", "new", "V");
        var start = BoardSnapshot.Create("lead", 0, Stages, [a]);
        var b = Card("B", "new", "F");

        var created = BoardProjection.Apply(start, 1, new CardCreated(b));
        Assert.Equal(["B", "A"], created.CardsIn("new").Select(c => c.Title));
        Assert.Equal(1, created.Sequence);

        var moved = BoardProjection.Apply(created, 2, new CardMoved(Guid.NewGuid(), a.Id, "new", "won", "V", 2));
        Assert.Equal(["B"], moved.CardsIn("new").Select(c => c.Title));
        Assert.Equal(2, moved.Find(a.Id)!.Version);

        var renamed = BoardProjection.Apply(moved, 3, new CardUpdated(b with { Title = "B2", Version = 2 }, ["title"]));
        Assert.Equal("B2", renamed.Find(b.Id)!.Title);

        var deleted = BoardProjection.Apply(renamed, 4, new CardDeleted(b.Id));
        Assert.Null(deleted.Find(b.Id));

        var warned = BoardProjection.Apply(deleted, 5, new WipWarning("won", 1, 1));
        Assert.Equal(deleted.AllCards, warned.AllCards);
        Assert.Equal(5, warned.Sequence);

        var configured = BoardProjection.Apply(warned, 6, new BoardConfigured([Stages[1]]));
        Assert.Equal(["won"], configured.Stages.Select(s => s.Key));

        // Immutable: what each step started from is untouched.
        Assert.Equal(["A"], start.CardsIn("new").Select(c => c.Title));
        Assert.Equal(0, start.Sequence);
        Assert.NotNull(moved.Find(b.Id));
    }

    [Fact]
    public void A_stages_weighted_value_follows_its_cards_probabilities_through_creations_moves_edits_and_deletions()
    {
        var a = Card("A", "new", "V") with { Value = 1000, Probability = 25 };
        var b = Card("B", "new", "X") with { Value = 400, Probability = 50 };
        var board = BoardSnapshot.Create("opportunity", 0, Stages, [a]);
        Assert.Equal((1000m, 250m), (board.TotalValueIn("new"), board.WeightedValueIn("new")));

        board = BoardProjection.Apply(board, 1, new CardCreated(b));
        Assert.Equal(450m, board.WeightedValueIn("new"));
        board = BoardProjection.Apply(board, 2, new CardUpdated(b with { Probability = 75, Version = 2 }, ["probability"]));
        Assert.Equal(550m, board.WeightedValueIn("new"));
        board = BoardProjection.Apply(board, 3, new CardMoved(Guid.NewGuid(), a.Id, "new", "won", "V", 2));
        Assert.Equal((300m, 250m), (board.WeightedValueIn("new"), board.WeightedValueIn("won")));
        board = BoardProjection.Apply(board, 4, new CardDeleted(b.Id));
        Assert.Equal((0m, 0m), (board.WeightedValueIn("new"), board.TotalValueIn("new")));
        // Rebuilt from scratch, the same figures.
        var rebuilt = BoardSnapshot.Create("opportunity", 4, Stages, board.AllCards);
        Assert.Equal(board.WeightedValueIn("won"), rebuilt.WeightedValueIn("won"));
    }

    [Fact]
    public void Replay_applies_only_what_comes_after_the_start_in_sequence_order_and_equals_applying_one_by_one()
    {
        var a = Card("A", "new", "V");
        var b = Card("B", "new", "k");
        var start = BoardSnapshot.Create("lead", 1, Stages, [a, b]);
        SequencedEvent[] log =
        [
            new(3, new CardMoved(Guid.NewGuid(), b.Id, "new", "won", "V", 2)),
            new(1, new CardDeleted(a.Id)), // already in the start: ignored
            new(2, new CardMoved(Guid.NewGuid(), a.Id, "new", "won", "F", 2)),
        ];

        var replayed = BoardProjection.Replay(start, log);

        var stepwise = BoardProjection.Apply(BoardProjection.Apply(start, 2, log[2].Event), 3, log[0].Event);
        Assert.Equal(3, replayed.Sequence);
        Assert.Equal(["A", "B"], replayed.CardsIn("won").Select(c => c.Title));
        Assert.Equal(stepwise.AllCards, replayed.AllCards);
    }

    [Fact]
    public void An_unknown_kind_of_event_is_refused_rather_than_ignored()
    {
        var start = BoardSnapshot.Create("lead", 0, Stages, []);
        Assert.Throws<ArgumentOutOfRangeException>(() => BoardProjection.Apply(start, 1, new Unknown()));
    }

    private sealed record Unknown : BoardEvent;
}

using KanbanBlazor.Core.Consistency;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class BoardConsistencyTests
{
    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid();

    private static LoggedEvent Move(long sequence, Guid card, string to, string? position) => new(sequence, BoardConsistency.MoveEvent, card, to, position);

    [Fact]
    public void A_board_where_every_card_is_where_its_latest_move_put_it_has_no_drift()
    {
        StoredCard[] cards = [new(A, "won", "V"), new(B, "new", "k")];
        LoggedEvent[] log = [Move(1, A, "contacted", "F"), Move(2, A, "won", "V"), new(3, "WipWarning", A, "won", null)];
        Assert.Empty(BoardConsistency.Check(3, cards, log));
    }

    [Fact]
    public void Each_kind_of_drift_is_reported()
    {
        StoredCard[] cards = [new(A, "new", "V"), new(B, "won", "V"), new(Guid.NewGuid(), "won", "V")];
        LoggedEvent[] log = [Move(1, A, "won", "V"), Move(3, B, "won", "k"), Move(3, B, "won", "k"), Move(9, B, "lost", null)];

        var drift = BoardConsistency.Check(4, cards, log).Select(d => d.Kind).ToList();

        Assert.Contains(DriftKind.StageDrift, drift);          // A: log says won, card says new; B: log says lost
        Assert.Contains(DriftKind.MissingSequence, drift);     // 2 and 4
        Assert.Contains(DriftKind.UnexpectedSequence, drift);  // 3 twice, 9 beyond 4
        Assert.Contains(DriftKind.DuplicatePosition, drift);   // two cards at won/V
        Assert.Equal(2, drift.Count(k => k == DriftKind.MissingSequence));
        Assert.Equal(2, drift.Count(k => k == DriftKind.StageDrift));
    }

    [Fact]
    public void A_card_at_another_key_than_its_latest_move_gave_it_is_position_drift()
    {
        var drift = Assert.Single(BoardConsistency.Check(1, [new StoredCard(A, "won", "k")], [Move(1, A, "won", "V")]));
        Assert.Equal((DriftKind.PositionDrift, A), (drift.Kind, drift.CardId));
    }
}

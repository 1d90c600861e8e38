using System.Collections.Immutable;

namespace KanbanBlazor.Core.Boards;

public sealed record BoardCard(
    Guid Id,
    string Title,
    string? Company,
    decimal Value,
    string Currency,
    Guid? OwnerId,
    string? OwnerName,
    string Stage,
    string Position,
    int Version,
    DateTimeOffset? NextActionAt,
    string? NextActionDetails)
{
    /// <summary>An opportunity's chance of closing, in percent (null on other boards, or not set).</summary>
    public int? Probability { get; init; }

    /// <summary>When the card last came into its current stage (created there, or moved in from another).</summary>
    public DateTimeOffset? EnteredStageAt { get; init; }

    /// <summary>The value as likely as the card is to close: value × probability.</summary>
    public decimal WeightedValue => Probability is { } p ? decimal.Round(Value * p / 100m, 2) : 0m;
}

/// <summary>A stage of a board: its place is its index in the board's list. At <see cref="WipSoftLimit"/>
/// cards a move in is allowed with a warning; at <see cref="WipHardLimit"/> it is refused unless
/// overridden; entering it may require a reason (<see cref="RequiresReason"/>, e.g. won or lost).</summary>
public sealed record BoardStage(string Key, string Name, StageOutcome Outcome, int? WipSoftLimit, int? WipHardLimit, bool RequiresReason = false);

/// <summary>
/// A board at one sequence number: its stages in order and each stage's cards in position order.
/// Immutable, so that it can be shared (by viewers, by replay) and changed only by
/// <see cref="BoardProjection.Apply"/>, which returns a new one.
/// </summary>
public sealed class BoardSnapshot
{
    private static readonly IComparer<BoardCard> ByPosition = Comparer<BoardCard>.Create(ComparePositions);
    private readonly ImmutableDictionary<string, ImmutableList<BoardCard>> cards;
    // Every card by id, and each stage's total value: kept alongside, so that finding a card or a
    // stage's total takes the same time on a 10,000-card board as on a 10-card one.
    private readonly ImmutableDictionary<Guid, BoardCard> byId;
    private readonly ImmutableDictionary<string, Totals> totals;

    private BoardSnapshot(string entityType, long sequence, ImmutableArray<BoardStage> stages, ImmutableDictionary<string, ImmutableList<BoardCard>> cards,
        ImmutableDictionary<Guid, BoardCard> byId, ImmutableDictionary<string, Totals> totals)
    {
        EntityType = entityType;
        Sequence = sequence;
        Stages = stages;
        this.cards = cards;
        this.byId = byId;
        this.totals = totals;
    }

    public static BoardSnapshot Create(string entityType, long sequence, IEnumerable<BoardStage> stages, IEnumerable<BoardCard> cards)
    {
        var stageList = stages.ToImmutableArray();
        var byStage = cards.GroupBy(c => c.Stage).ToDictionary(g => g.Key, g => g.OrderBy(c => c, ByPosition).ToImmutableList());
        var lists = stageList.ToImmutableDictionary(s => s.Key, s => byStage.GetValueOrDefault(s.Key) ?? []);
        return new BoardSnapshot(entityType, sequence, stageList, lists,
            lists.Values.SelectMany(l => l).ToImmutableDictionary(c => c.Id),
            lists.ToImmutableDictionary(l => l.Key, l => new Totals(l.Value.Sum(c => c.Value), l.Value.Sum(c => c.WeightedValue))));
    }

    public string EntityType { get; }
    public long Sequence { get; }
    public ImmutableArray<BoardStage> Stages { get; }

    /// <summary>The stage's cards in board order: the same list object for as long as the stage is unchanged.</summary>
    public IReadOnlyList<BoardCard> CardsIn(string stage) => cards.TryGetValue(stage, out var list) ? list : [];

    public IEnumerable<BoardCard> AllCards => Stages.SelectMany(s => CardsIn(s.Key));

    public int CardCount => byId.Count;

    public decimal TotalValueIn(string stage) => totals.GetValueOrDefault(stage).Value;

    /// <summary>The stage's probability-weighted value (opportunities).</summary>
    public decimal WeightedValueIn(string stage) => totals.GetValueOrDefault(stage).Weighted;

    /// <summary>A stage's total value and probability-weighted value.</summary>
    private readonly record struct Totals(decimal Value, decimal Weighted)
    {
        public Totals Plus(BoardCard card) => new(Value + card.Value, Weighted + card.WeightedValue);
        public Totals Minus(BoardCard card) => new(Value - card.Value, Weighted - card.WeightedValue);
    }

    public BoardCard? Find(Guid cardId) => byId.GetValueOrDefault(cardId);

    public BoardSnapshot At(long sequence) => new(EntityType, sequence, Stages, cards, byId, totals);

    /// <summary>Without the card (wherever it is).</summary>
    public BoardSnapshot Without(Guid cardId)
    {
        if (Find(cardId) is not { } card || !cards.TryGetValue(card.Stage, out var list)) return this;
        var index = IndexOf(list, card);
        return index < 0 ? this : new(EntityType, Sequence, Stages, cards.SetItem(card.Stage, list.RemoveAt(index)), byId.Remove(cardId),
            totals.SetItem(card.Stage, totals.GetValueOrDefault(card.Stage).Minus(card)));
    }

    /// <summary>With the card in its stage, placed by its position; a card of a stage the board does not have is left out.</summary>
    public BoardSnapshot With(BoardCard card)
    {
        var without = Without(card.Id);
        if (!without.cards.TryGetValue(card.Stage, out var list)) return without;
        var index = list.BinarySearch(card, ByPosition);
        return without.Inserted(card, list.Insert(index < 0 ? ~index : index, card));
    }

    /// <summary>With the card at <paramref name="index"/> of <paramref name="stage"/>, whatever its position says
    /// (a move shown before it is saved).</summary>
    public BoardSnapshot WithAt(BoardCard card, string stage, int index)
    {
        var without = Without(card.Id);
        if (!without.cards.TryGetValue(stage, out var list)) return this;
        var moved = card with { Stage = stage };
        return without.Inserted(moved, list.Insert(Math.Clamp(index, 0, list.Count), moved));
    }

    /// <summary>With the cards of <paramref name="stage"/> given new keys in the same order (a rebalance):
    /// each stays at its index, so the stage's list is rebuilt once, not re-sorted card by card.</summary>
    public BoardSnapshot Rekeyed(string stage, IReadOnlyList<CardRekeyed> keys)
    {
        if (!cards.TryGetValue(stage, out var list) || keys.Count == 0) return this;
        var positions = keys.ToDictionary(k => k.CardId, k => k.ToPosition);
        var builder = list.ToBuilder();
        var ids = byId.ToBuilder();
        for (var i = 0; i < builder.Count; i++)
        {
            if (!positions.TryGetValue(builder[i].Id, out var position)) continue;
            builder[i] = builder[i] with { Position = position };
            ids[builder[i].Id] = builder[i];
        }
        var rekeyed = builder.ToImmutable();
        // Keys given in the wrong order would break the stage's order: sort it rather than show it wrong.
        if (!rekeyed.Zip(rekeyed.Skip(1)).All(pair => ComparePositions(pair.First, pair.Second) < 0)) rekeyed = rekeyed.Sort(ByPosition);
        return new(EntityType, Sequence, Stages, cards.SetItem(stage, rekeyed), ids.ToImmutable(), totals);
    }

    /// <summary>With new stages: cards of a stage that is gone leave the board view.</summary>
    public BoardSnapshot WithStages(IEnumerable<BoardStage> stages) => Create(EntityType, Sequence, stages, AllCards);

    private BoardSnapshot Inserted(BoardCard card, ImmutableList<BoardCard> list) =>
        new(EntityType, Sequence, Stages, cards.SetItem(card.Stage, list), byId.SetItem(card.Id, card),
            totals.SetItem(card.Stage, totals.GetValueOrDefault(card.Stage).Plus(card)));

    // Where the card is in its stage's list: found by its position, or (a card shown out of order
    // before its move was saved) by looking through the list.
    private static int IndexOf(ImmutableList<BoardCard> list, BoardCard card)
    {
        var index = list.BinarySearch(card, ByPosition);
        return index >= 0 && list[index].Id == card.Id ? index : list.FindIndex(c => c.Id == card.Id);
    }

    private static int ComparePositions(BoardCard a, BoardCard b)
    {
        var byKey = string.CompareOrdinal(a.Position, b.Position);
        return byKey != 0 ? byKey : a.Id.CompareTo(b.Id);
    }
}

/// <summary>What each board event does to a board. Pure: the same snapshot and event give the same result.</summary>
public static class BoardProjection
{
    public static BoardSnapshot Apply(BoardSnapshot board, long sequence, BoardEvent change) => (change switch
    {
        CardMoved moved => board.Find(moved.CardId) is { } card
            ? board.With(card with
            {
                Stage = moved.ToStage, Position = moved.Position, Version = moved.Version,
                EnteredStageAt = card.Stage == moved.ToStage ? card.EnteredStageAt : moved.At,
            })
            : board,
        StageRebalanced rebalanced => board.Rekeyed(rebalanced.Stage, rebalanced.Cards),
        CardCreated created => board.With(created.Card),
        CardUpdated updated => board.With(updated.Card),
        CardDeleted deleted => board.Without(deleted.CardId),
        BoardConfigured configured => board.WithStages(configured.Stages),
        WipWarning => board,
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.GetType().Name, "Unknown board event."),
    }).At(sequence);

    /// <summary>The board after <paramref name="events"/> (in sequence order) on top of <paramref name="start"/>.</summary>
    public static BoardSnapshot Replay(BoardSnapshot start, IEnumerable<SequencedEvent> events) =>
        events.Where(e => e.Sequence > start.Sequence).OrderBy(e => e.Sequence).Aggregate(start, (board, e) => Apply(board, e.Sequence, e.Event));
}

/// <summary>A board event with the sequence number the board gave it when it was committed.</summary>
public sealed record SequencedEvent(long Sequence, BoardEvent Event);

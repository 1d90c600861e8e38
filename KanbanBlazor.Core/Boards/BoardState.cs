using KanbanBlazor.Core.Ordering;

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
    string? NextActionDetails);

public sealed record BoardStage(string Key, string Name, StageOutcome Outcome, int? WipSoftLimit, int? WipHardLimit);

/// <summary>A committed move as every viewer of the board learns of it.</summary>
public sealed record CardMoved(
    Guid CardId,
    string FromStage,
    string ToStage,
    string Position,
    int Version,
    Guid? MovedBy,
    string MovedByName,
    DateTimeOffset At);

/// <summary>
/// One viewer's copy of a board: the stages in order and their cards in position order, at a known
/// sequence number. Changes apply only in sequence; a gap means the copy must be reloaded.
/// </summary>
public sealed class BoardState
{
    private readonly Dictionary<string, List<BoardCard>> cardsByStage;
    private readonly SortedDictionary<long, CardMoved> early = [];

    public BoardState(string entityType, long sequence, IReadOnlyList<BoardStage> stages, IEnumerable<BoardCard> cards)
    {
        EntityType = entityType;
        Sequence = sequence;
        Stages = stages;
        cardsByStage = stages.ToDictionary(s => s.Key, _ => new List<BoardCard>());
        foreach (var card in cards)
        {
            if (cardsByStage.TryGetValue(card.Stage, out var list)) list.Add(card);
        }
        foreach (var list in cardsByStage.Values) list.Sort(ByPosition);
    }

    public string EntityType { get; }
    public long Sequence { get; private set; }
    public IReadOnlyList<BoardStage> Stages { get; }

    public IReadOnlyList<BoardCard> CardsIn(string stage) =>
        cardsByStage.TryGetValue(stage, out var list) ? list : [];

    public decimal TotalValueIn(string stage) => CardsIn(stage).Sum(c => c.Value);

    public BoardCard? Find(Guid cardId) =>
        cardsByStage.Values.SelectMany(l => l).FirstOrDefault(c => c.Id == cardId);

    /// <summary>
    /// Applies a change numbered <paramref name="sequence"/>. Changes come from several threads and
    /// may arrive out of order: one that runs ahead of a missing change is held, and applied as soon
    /// as the missing one arrives. Returns false while a change is missing; if it stays missing, the
    /// caller reloads. Changes this copy already has are ignored.
    /// </summary>
    public bool TryApply(long sequence, CardMoved change)
    {
        if (sequence > Sequence) early[sequence] = change;
        while (early.Remove(Sequence + 1, out var next))
        {
            Place(next);
            Sequence++;
        }
        foreach (var stale in early.Keys.Where(k => k <= Sequence).ToList()) early.Remove(stale);
        return early.Count == 0;
    }

    /// <summary>The sequence number this copy is waiting for, when a later change has arrived before it.</summary>
    public long? MissingSequence => early.Count == 0 ? null : Sequence + 1;

    /// <summary>Shows a move the local user just made, before the server has confirmed it.</summary>
    /// <returns>the card as it was, for <see cref="Restore"/> if the move is not saved; null if nothing moved</returns>
    public BoardCard? MoveLocally(Guid cardId, string toStage, int toIndex)
    {
        var card = Find(cardId);
        if (card is null || !cardsByStage.TryGetValue(toStage, out var target)) return null;
        cardsByStage[card.Stage].Remove(card);
        target.Insert(Math.Clamp(toIndex, 0, target.Count), card with { Stage = toStage });
        return card;
    }

    /// <summary>Puts a card back as it was before a local move that was not saved (by its stored
    /// position), unless a confirmed change has moved it since.</summary>
    public void Restore(BoardCard original)
    {
        var current = Find(original.Id);
        if (current is null || current.Version != original.Version || !cardsByStage.TryGetValue(original.Stage, out var target)) return;
        cardsByStage[current.Stage].Remove(current);
        var index = target.FindIndex(c => ByPosition(c, original) > 0);
        target.Insert(index < 0 ? target.Count : index, original);
    }

    private void Place(CardMoved change)
    {
        var card = Find(change.CardId);
        if (card is null || !cardsByStage.TryGetValue(change.ToStage, out var target)) return;
        cardsByStage[card.Stage].Remove(card);
        var moved = card with { Stage = change.ToStage, Position = change.Position, Version = change.Version };
        var index = target.FindIndex(c => ByPosition(c, moved) > 0);
        target.Insert(index < 0 ? target.Count : index, moved);
    }

    private static int ByPosition(BoardCard a, BoardCard b)
    {
        var byKey = string.CompareOrdinal(a.Position, b.Position);
        return byKey != 0 ? byKey : a.Id.CompareTo(b.Id);
    }

    /// <summary>The ordering key for a card dropped at <paramref name="index"/> among <paramref name="others"/>
    /// (the stage's cards in order, without the moved card).</summary>
    public static string PositionAt(IReadOnlyList<string> others, int index)
    {
        index = Math.Clamp(index, 0, others.Count);
        var before = index > 0 ? others[index - 1] : null;
        var after = index < others.Count ? others[index] : null;
        if (before is not null && after is not null && string.CompareOrdinal(before, after) >= 0)
            after = null; // duplicate keys (never written by us): place after the earlier one
        return OrderingKey.Between(before, after);
    }
}

namespace KanbanBlazor.Core.Boards;

/// <summary>
/// One viewer's live copy of a board: the <see cref="BoardSnapshot"/> it has reached, fed with board
/// events in sequence through <see cref="BoardProjection"/>, plus this viewer's own move shown before
/// it is saved. Events come from several threads and may arrive out of order: one that runs ahead of
/// a missing event is held until the missing one arrives; if it never does, the viewer reloads.
/// </summary>
public sealed class BoardState
{
    private readonly SortedDictionary<long, BoardEvent> early = [];
    // Moves shown before they are saved (MoveLocally), until confirmed (Confirmed) or taken back (Restore).
    private int localMoves;

    public BoardState(BoardSnapshot snapshot) => Current = snapshot;

    public BoardState(string entityType, long sequence, IReadOnlyList<BoardStage> stages, IEnumerable<BoardCard> cards)
        : this(BoardSnapshot.Create(entityType, sequence, stages, cards))
    {
    }

    /// <summary>The board as this viewer sees it now.</summary>
    public BoardSnapshot Current { get; private set; }

    public string EntityType => Current.EntityType;
    public long Sequence => Current.Sequence;
    public IReadOnlyList<BoardStage> Stages => Current.Stages;

    public IReadOnlyList<BoardCard> CardsIn(string stage) => Current.CardsIn(stage);

    public decimal TotalValueIn(string stage) => Current.TotalValueIn(stage);

    public decimal WeightedValueIn(string stage) => Current.WeightedValueIn(stage);

    public BoardCard? Find(Guid cardId) => Current.Find(cardId);

    /// <summary>
    /// Applies the event numbered <paramref name="sequence"/>, or holds it while an earlier one is
    /// missing. Returns false while one is missing; events this copy already has are ignored.
    /// </summary>
    /// <param name="after">the board right after this event, when the sender knows it: taken as it is (one
    /// object shared by every viewer) when it follows on from this copy and this viewer shows no move of its own</param>
    public bool TryApply(long sequence, BoardEvent change, BoardSnapshot? after = null)
    {
        if (after is not null && after.Sequence == sequence && sequence == Current.Sequence + 1 && early.Count == 0 && localMoves == 0)
        {
            Current = after;
            return true;
        }
        if (sequence > Current.Sequence) early[sequence] = change;
        while (early.Remove(Current.Sequence + 1, out var next))
            Current = BoardProjection.Apply(Current, Current.Sequence + 1, next);
        foreach (var stale in early.Keys.Where(k => k <= Current.Sequence).ToList()) early.Remove(stale);
        return early.Count == 0;
    }

    /// <summary>The sequence number this copy is waiting for, when a later event has arrived before it.</summary>
    public long? MissingSequence => early.Count == 0 ? null : Current.Sequence + 1;

    /// <summary>Shows a move the local user just made, before the server has confirmed it.</summary>
    /// <returns>the card as it was, for <see cref="Restore"/> if the move is not saved; null if nothing moved</returns>
    public BoardCard? MoveLocally(Guid cardId, string toStage, int toIndex)
    {
        var card = Find(cardId);
        if (card is null || !Current.Stages.Any(s => s.Key == toStage)) return null;
        Current = Current.WithAt(card, toStage, toIndex);
        localMoves++;
        return card;
    }

    /// <summary>A move shown by <see cref="MoveLocally"/> was saved (its events applied) or refused (the board reloaded).</summary>
    public void Confirmed() => localMoves = Math.Max(0, localMoves - 1);

    /// <summary>Puts a card back as it was before a local move that was not saved (by its stored
    /// position), unless a confirmed change has moved it since.</summary>
    public void Restore(BoardCard original)
    {
        localMoves = Math.Max(0, localMoves - 1);
        var current = Find(original.Id);
        if (current is null || current.Version != original.Version) return;
        Current = Current.With(original);
    }
}

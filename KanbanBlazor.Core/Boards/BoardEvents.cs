namespace KanbanBlazor.Core.Boards;

/// <summary>
/// A change to a board, as the event log records it and every viewer learns of it. Each is numbered
/// by the board's sequence when committed; <see cref="BoardProjection.Apply"/> is what it does to a
/// board, for live viewers, replay, snapshots and "board as of" alike.
/// </summary>
public abstract record BoardEvent
{
    /// <summary>Who made the change (null: the system), by id and by the name colleagues see.</summary>
    public Guid? ActorId { get; init; }
    public string ActorName { get; init; } = "";
    public DateTimeOffset At { get; init; }
}

/// <summary>A card moved to a stage and a place in it (<see cref="Position"/>), now at <see cref="Version"/>.
/// An undo or redo is a move too: <see cref="UndoOf"/> names the move it takes back.</summary>
public sealed record CardMoved(Guid MoveId, Guid CardId, string FromStage, string ToStage, string Position, int Version) : BoardEvent
{
    public Guid? UndoOf { get; init; }
}

/// <summary>A card's ordering key within its stage changed, and nothing else (its version stays).</summary>
public sealed record CardRekeyed(Guid CardId, string FromPosition, string ToPosition);

/// <summary>A spot of <see cref="Stage"/> had run out of short ordering keys: the cards around it were
/// given new keys in the same order (<see cref="Core.Ordering.OrderingKey.Place"/>). Nothing moves.</summary>
public sealed record StageRebalanced(string Stage, IReadOnlyList<CardRekeyed> Cards) : BoardEvent;

/// <summary>A card was added to the board.</summary>
public sealed record CardCreated(BoardCard Card) : BoardEvent;

/// <summary>A card's fields changed (<see cref="ChangedFields"/>); <see cref="Card"/> is the card as it is now.</summary>
public sealed record CardUpdated(BoardCard Card, IReadOnlyList<string> ChangedFields) : BoardEvent;

/// <summary>A card left the board.</summary>
public sealed record CardDeleted(Guid CardId) : BoardEvent;

/// <summary>The board's stages (order, names, limits) were saved.</summary>
public sealed record BoardConfigured(IReadOnlyList<BoardStage> Stages) : BoardEvent;

/// <summary>A move took a stage to or past its soft WIP limit: allowed, and everyone viewing is told.</summary>
public sealed record WipWarning(string Stage, int Count, int SoftLimit) : BoardEvent;

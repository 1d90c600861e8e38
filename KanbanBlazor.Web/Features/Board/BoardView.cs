using KanbanBlazor.Core.Boards;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// How one viewer sees a board, the same for every stage: the time and time zone cards are shown in,
/// whether and which cards they may move, the stages "Move to…" offers (in their language), and what
/// their gestures do. Made again only when one of these changes, so that a stage can tell by reference
/// that nothing about its viewer changed (<see cref="BoardColumn"/>).
/// </summary>
public sealed record BoardView(
    DateTimeOffset Now,
    TimeZoneInfo TimeZone,
    bool CanMove,
    IReadOnlyList<(string Key, string Name)> Stages,
    Func<BoardCard, bool> CanMoveCard,
    Func<BoardCard, string?> LockedReason,
    Func<BoardCard, Task> OnOpenMenu,
    Func<BoardCard, Task> OnHistory,
    Microsoft.AspNetCore.Components.EventCallback<SortableDrop> OnDrop,
    Microsoft.AspNetCore.Components.EventCallback<SortableKeyMove> OnKeyMove,
    Func<string, Task> OnDragStart,
    Func<string, Task> OnDragCancel)
{
    /// <summary>Opens a card (click, or Enter on it): to read it, or to edit it when the viewer may.</summary>
    public Func<BoardCard, Task>? OnOpenCard { get; init; }

    /// <summary>The stages this viewer collapsed (a header only, no cards).</summary>
    public IReadOnlySet<string> Collapsed { get; init; } = new HashSet<string>();

    /// <summary>Collapses or expands a stage (remembered for this user on this browser).</summary>
    public Func<string, Task>? OnToggleCollapse { get; init; }

    /// <summary>Who else is editing a card now (null: nobody), from the board's presence.</summary>
    public Func<BoardCard, string?>? EditedBy { get; init; }

    /// <summary>The board's cards have a value (not a task board): tiles and stage headers show it.</summary>
    public bool ShowsValue { get; init; } = true;

    /// <summary>The board's cards have a probability (opportunities): stage headers show the weighted value.</summary>
    public bool ShowsWeighted { get; init; }

    /// <summary>Each stage's usual time (its 85th percentile), so that a card older than that in its stage is marked.</summary>
    public IReadOnlyDictionary<string, KanbanBlazor.Core.Cards.StageUsualTime> UsualTimes { get; init; } = new Dictionary<string, KanbanBlazor.Core.Cards.StageUsualTime>();

    /// <summary>Adds a card with just a title at the top of a stage (the stage's quick-add); says what was
    /// wrong, in the viewer's language, or null when it was added. Null when the viewer may not add cards.</summary>
    public Func<string, string, Task<string?>>? OnQuickAdd { get; init; }

    /// <summary>Opens a new card for a stage (the stage's "+"); null when the viewer may not add cards.</summary>
    public Func<string, Task>? OnAddCard { get; init; }
}

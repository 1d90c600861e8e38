namespace KanbanBlazor.Web.Features.Board;

/// <summary>What SortableJS reports: the item dropped, the lists it left and joined, its index in the
/// joined list (counted without the item itself), and the items it landed between (null at an end, or
/// when the neighbour is not rendered): these say where it goes even in a list rendered in part.</summary>
public sealed record SortableDrop(string ItemId, string FromListId, string ToListId, int NewIndex, string? AfterId = null, string? BeforeId = null);

/// <summary>A keyboard move asked for on an item of a list: "left", "right", "up" or "down".</summary>
public sealed record SortableKeyMove(string ItemId, string ListId, string Direction);

/// <summary>A button of an item was pressed: "move" (its "Move to…") or "history".</summary>
public sealed record SortableItemAction(string ItemId, string Action);

/// <summary>One item as a <see cref="SortableList{TItem}"/> shows it: its key (also its data-id), what a
/// screen reader says for it, its tooltip (how to move it, or why it cannot be), whether it can be
/// dragged, and its content as HTML (already encoded: made by the caller, never from raw input).
/// Immutable, so one object can serve every list and circuit that shows the same item.</summary>
public sealed record SortableItem(string Key, string Label, string? Hint, bool Movable, string Html);

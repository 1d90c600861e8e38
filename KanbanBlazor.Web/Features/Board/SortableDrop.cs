namespace KanbanBlazor.Web.Features.Board;

/// <summary>What SortableJS reports: the item dropped, the lists it left and joined, and its index
/// in the joined list (counted without the item itself).</summary>
public sealed record SortableDrop(string ItemId, string FromListId, string ToListId, int NewIndex);

/// <summary>A keyboard move asked for on an item of a list: "left", "right", "up" or "down".</summary>
public sealed record SortableKeyMove(string ItemId, string ListId, string Direction);

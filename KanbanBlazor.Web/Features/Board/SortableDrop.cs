namespace KanbanBlazor.Web.Features.Board;

/// <summary>What SortableJS reports: the item dropped, the lists it left and joined, and its index
/// in the joined list (counted without the item itself).</summary>
public sealed record SortableDrop(string ItemId, string FromListId, string ToListId, int NewIndex);

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
public sealed class SortableItem(string key, string label, string? hint, bool movable, string html)
{
    public string Key { get; } = key;
    public string Label { get; } = label;
    public string? Hint { get; } = hint;
    public bool Movable { get; } = movable;
    public string Html { get; } = html;

    internal const string MovableClass = "kb-sortable__item kb-sortable__item--movable";
    internal const string LockedClass = "kb-sortable__item kb-sortable__item--locked";
    internal const string Shortcuts = "Alt+ArrowLeft Alt+ArrowRight Alt+ArrowUp Alt+ArrowDown";
    private string? movableElement;
    private string? lockedElement;

    /// <summary>The item's whole element as HTML, made once for each way it can show (draggable or not):
    /// a list renders it as one markup frame instead of an element with eight attributes, so every
    /// circuit holds and compares a reference to the same string.</summary>
    public string Element(bool movable) => movable
        ? movableElement ??= Make(MovableClass, Shortcuts)
        : lockedElement ??= Make(LockedClass, null);

    private string Make(string cssClass, string? shortcuts)
    {
        var html = new System.Text.StringBuilder(Html.Length + Label.Length + (Hint?.Length ?? 0) + 200);
        html.Append("<div class=\"").Append(cssClass).Append("\" data-id=\"").Append(Attribute(Key))
            .Append("\" role=\"listitem\" aria-label=\"").Append(Attribute(Label)).Append("\" tabindex=\"0\"");
        if (shortcuts is not null) html.Append(" aria-keyshortcuts=\"").Append(shortcuts).Append('"');
        if (Hint is not null) html.Append(" title=\"").Append(Attribute(Hint)).Append('"');
        return html.Append('>').Append(Html).Append("</div>").ToString();
    }

    private static string Attribute(string value) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(value);
}

using System.Globalization;

namespace KanbanBlazor.Core.Boards;

/// <summary>
/// Which cards a board shows: the viewer's own, one owner's, those whose title or company contains a
/// text, those whose next action is overdue, those within a value range. Kept in the board's address
/// (<see cref="ToQuery"/>, <see cref="FromQuery"/>) so that a filtered board can be shared. The board's
/// first answer comes from PostgreSQL; <see cref="Matches"/> is the same rule for one card that changed
/// while the board was open.
/// </summary>
public sealed record BoardFilter(bool Mine = false, Guid? Owner = null, string? Text = null, bool Overdue = false, decimal? MinValue = null, decimal? MaxValue = null)
{
    public const int TextLength = 100;

    public static readonly BoardFilter None = new();

    /// <summary>The text searched for (trimmed, bounded), or null.</summary>
    public string? Search => Text?.Trim() is { Length: > 0 } text ? text.Length > TextLength ? text[..TextLength] : text : null;

    public bool IsEmpty => !Mine && Owner is null && Search is null && !Overdue && MinValue is null && MaxValue is null;

    public bool Matches(BoardCard card, Guid viewer, DateTimeOffset now) =>
        (!Mine || card.OwnerId == viewer)
        && (Owner is not { } owner || card.OwnerId == owner)
        && (Search is not { } text || card.Title.Contains(text, StringComparison.OrdinalIgnoreCase) || (card.Company?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false))
        && (!Overdue || card.NextActionAt < now)
        && (MinValue is not { } min || card.Value >= min)
        && (MaxValue is not { } max || card.Value <= max);

    /// <summary>The filter as query parameters (mine, owner, q, overdue, min, max); empty ones left out.</summary>
    public IReadOnlyDictionary<string, string?> ToQuery() => new Dictionary<string, string?>
    {
        ["mine"] = Mine ? "1" : null,
        ["owner"] = Owner?.ToString(),
        ["q"] = Search,
        ["overdue"] = Overdue ? "1" : null,
        ["min"] = MinValue?.ToString(CultureInfo.InvariantCulture),
        ["max"] = MaxValue?.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The filter a board's address asks for; a value that does not parse is ignored.</summary>
    public static BoardFilter FromQuery(string? mine, string? owner, string? text, string? overdue, string? min, string? max) => new(
        mine == "1",
        Guid.TryParse(owner, out var id) ? id : null,
        text,
        overdue == "1",
        Amount(min),
        Amount(max));

    private static decimal? Amount(string? value) =>
        decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) && amount >= 0 ? amount : null;
}

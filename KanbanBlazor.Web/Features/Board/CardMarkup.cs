using KanbanBlazor.Core.Cards;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using KanbanBlazor.Core.Boards;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>How a viewer may act on a card, as its tile shows it.</summary>
/// <param name="Movable">the viewer may move it</param>
/// <param name="Locked">the viewer may move other cards but not this one (a lock shows)</param>
/// <param name="CanMoveTo">there is another stage ("Move to…" shows)</param>
/// <param name="History">the card's history can be opened</param>
/// <param name="Value">the card's value shows (every board but tasks)</param>
/// <param name="EditedBy">who else is editing the card now (null: nobody)</param>
/// <param name="Open">the card is in an open stage: a missing next action is worth saying</param>
/// <param name="AgedDays">days in its stage, when that is longer than the stage's usual time (<see cref="UsualDays"/>)</param>
public readonly record struct CardLook(bool Movable, bool Locked, bool CanMoveTo, bool History, bool Value = true, string? EditedBy = null,
    bool Open = false, int? AgedDays = null, int? UsualDays = null);

/// <summary>
/// One card as the board shows it, as HTML: made once per card, language, time zone and look, and
/// shared by every circuit that shows that card (cards are immutable, so a card object's markup never
/// changes; it is let go with the card). A board of hundreds of cards costs each viewer a string
/// reference per rendered card rather than a component with its own render tree. Every text is
/// HTML-encoded. The card's buttons carry no handler of their own: the list hears their clicks
/// (js/sortable-list.js) and says which card's button it was.
/// </summary>
public static class CardMarkup
{
    private static readonly ConditionalWeakTable<BoardCard, ConcurrentDictionary<(string Language, string Culture, string Zone, NextActionState Due, CardLook Look), SortableItem>> Made = [];
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    /// <summary>The card's HTML.</summary>
    public static string For(BoardCard card, DateTimeOffset now, TimeZoneInfo zone, CardLook look, BoardText text) => Tile(card, now, zone, look, text).Html;

    /// <summary>The card as a board's list shows it: its HTML, its id, its spoken label and its tooltip.
    /// A live board asks for every rendered card at every render, so a repeat costs two lookups and
    /// allocates nothing.</summary>
    public static SortableItem Tile(BoardCard card, DateTimeOffset now, TimeZoneInfo zone, CardLook look, BoardText text)
    {
        var due = CardHealth.NextAction(card.NextActionAt, now, zone);
        var key = (CultureInfo.CurrentUICulture.Name, CultureInfo.CurrentCulture.Name, zone.Id, due, look);
        if (!Made.TryGetValue(card, out var made)) made = Made.GetValue(card, static _ => new());
        if (made.TryGetValue(key, out var tile)) return tile;
        return made.GetOrAdd(key, static (key, made) => new SortableItem(
            made.Card.Id.ToString(),
            made.Text.CardLabel(made.Card, made.Now, made.Zone, key.Look.Value)
                + (key.Look.AgedDays is { } aged ? ", " + made.Text["Card.AgedLabel", aged, key.Look.UsualDays ?? 0] : "")
                + (key.Look.EditedBy is { } editor ? ", " + made.Text["Card.EditedBy", editor] : ""),
            (key.Look.Movable ? made.Text["Card.MoveHint"] : key.Look.Locked ? made.Text["Card.LockedOwner"] : made.Text["Card.ViewOnlyHint"]) + " " + made.Text["Card.OpenHint"],
            key.Look.Movable,
            Build(made.Card, made.Zone, key.Due, key.Look, made.Text)), (Card: card, Now: now, Zone: zone, Text: text));
    }

    private static string Build(BoardCard card, TimeZoneInfo zone, NextActionState state, CardLook look, BoardText text)
    {
        var html = new StringBuilder(512);
        html.Append("<div class=\"mud-paper mud-elevation-1 kb-card").Append(look.Movable ? "" : " kb-card--locked")
            .Append("\" data-card-id=\"").Append(card.Id).Append("\"><div class=\"kb-card__top\"><h3 class=\"kb-card__title\">")
            .Append(Encoder.Encode(card.Title)).Append("</h3>");
        if (look.History)
            Button(html, "kb-card__history", text["Card.History", card.Title], "history", popup: false);
        if (look.Movable && look.CanMoveTo)
            Button(html, "kb-card__move", text["Card.MoveTo", card.Title], "more", popup: true);
        else if (look.Locked)
            html.Append("<svg class=\"kb-card__lock\" aria-hidden=\"true\" focusable=\"false\"><use href=\"#kb-icon-lock\"></use></svg>");
        html.Append("</div><div class=\"kb-card__meta\">");
        if (look.Value)
            html.Append("<span class=\"kb-card__value\">").Append(Encoder.Encode(Money.Format(card.Value, card.Currency))).Append("</span>");
        if (card.OwnerName is not null)
            html.Append("<span class=\"kb-card__owner\" title=\"").Append(Encoder.Encode(text["Card.Owner"])).Append("\">").Append(Encoder.Encode(card.OwnerName)).Append("</span>");
        html.Append("</div>");
        if (card.NextActionAt is { } due)
        {
            var label = text[state switch { NextActionState.Overdue => "Card.Overdue", NextActionState.Today => "Card.Today", _ => "Card.Next" }] + " " + card.NextActionDetails;
            html.Append("<div class=\"kb-card__next").Append(state switch { NextActionState.Overdue => " kb-card__next--overdue", NextActionState.Today => " kb-card__next--today", _ => "" }).Append("\" title=\"").Append(Encoder.Encode(text["Card.NextAction"]))
                .Append("\"><span>").Append(Encoder.Encode(label)).Append("</span><time datetime=\"").Append(due.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
                .Append(Encoder.Encode(TimeZoneInfo.ConvertTime(due, zone).ToString(text["Card.DueFormat"], CultureInfo.CurrentCulture))).Append("</time></div>");
        }
        else if (look.Open)
            html.Append("<div class=\"kb-card__next kb-card__next--none\">").Append(Encoder.Encode(text["Card.NoNextAction"])).Append("</div>");
        if (look.AgedDays is { } days)
            html.Append("<div class=\"kb-card__aged\" data-testid=\"card-aged\" title=\"").Append(Encoder.Encode(text["Card.AgedHint", look.UsualDays ?? 0]))
                .Append("\"><svg aria-hidden=\"true\" focusable=\"false\"><use href=\"#kb-icon-history\"></use></svg><span>")
                .Append(Encoder.Encode(text["Card.Aged", days, look.UsualDays ?? 0])).Append("</span></div>");
        if (look.EditedBy is { } editor)
            html.Append("<div class=\"kb-card__editing\" data-testid=\"card-editing\"><svg aria-hidden=\"true\" focusable=\"false\"><use href=\"#kb-icon-edit\"></use></svg><span>")
                .Append(Encoder.Encode(text["Card.EditedBy", editor])).Append("</span></div>");
        return html.Append("</div>").ToString();
    }

    private static void Button(StringBuilder html, string kind, string label, string icon, bool popup) =>
        html.Append("<button type=\"button\" class=\"kb-icon-button kb-card__actions ").Append(kind).Append('"')
            .Append(popup ? " aria-haspopup=\"menu\"" : "").Append(" aria-label=\"").Append(Encoder.Encode(label))
            .Append("\"><svg aria-hidden=\"true\" focusable=\"false\"><use href=\"#kb-icon-").Append(icon).Append("\"></use></svg></button>");
}

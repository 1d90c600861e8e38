using System.Globalization;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using Microsoft.Extensions.Localization;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>How the board words things in the viewer's language: board and stage names (a stage keeps
/// the name an admin gave it; the default names are translated), refusals, and a card's spoken name.</summary>
public sealed class BoardText(IStringLocalizer<Strings> l)
{
    public string BoardName(string entityType) => this[$"Board.{entityType}"];

    public string StageName(string entityType, BoardStage stage) =>
        stageNames.GetOrAdd((CultureInfo.CurrentUICulture.Name, entityType, stage.Key, stage.Name), static (k, text) =>
        {
            var isDefault = EntityTypes.IsKnown(k.EntityType) &&
                EntityTypes.DefaultStages(k.EntityType).Any(d => d.Key == k.Key && d.Name == k.Name);
            if (!isDefault) return k.Name;
            var key = $"Stage.{k.EntityType}.{k.Key}";
            var translated = text[key];
            return translated == key ? k.Name : translated;
        }, this);

    // A board names each of its stages at every render; names are worked out once per language.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Language, string EntityType, string Key, string Name), string> stageNames = new();

    /// <param name="stageName">the viewer's name for a stage key, or null when the board has no such stage</param>
    public string Refusal(MoveDecision decision, Func<string, string?> stageName, TimeZoneInfo zone) => decision.Refusal switch
    {
        MoveRefusal.StaleVersion when decision.LastMove is { } last =>
            this["Move.StaleBy", last.MovedBy, (last.ToStage is null ? null : stageName(last.ToStage)) ?? last.ToStageName,
                TimeZoneInfo.ConvertTime(last.At, zone).ToString("T", CultureInfo.CurrentCulture)],
        MoveRefusal.WipHardLimit when decision.Wip is { HardLimit: { } limit } wip =>
            this["Move.Refused.WipHardLimitOf", stageName(wip.Stage) ?? wip.Stage, limit],
        { } refusal => this[$"Move.Refused.{refusal}"],
        null => "",
    };

    /// <summary>A card field's label: the entity type's own word when it has one (a task's "Title", a
    /// customer's "Annual value"), else the field's.</summary>
    public string FieldLabel(string entityType, string field)
    {
        var own = this[$"Field.{field}.{entityType}"];
        return own == $"Field.{field}.{entityType}" ? this[$"Field.{field}"] : own;
    }

    /// <summary>A field's problem in the reader's language, with its bound.</summary>
    public string FieldError(KanbanBlazor.Core.Cards.FieldError error) => error.Code switch
    {
        "too_long" => this["Error.too_long", error.Max ?? 0],
        "range" => this["Error.range", error.Min ?? 0, error.Max ?? 0],
        _ => this[$"Error.{error.Code}"],
    };

    /// <summary>What a screen reader says for a card: title, value (on boards whose cards have one), owner and next action.</summary>
    public string CardLabel(BoardCard card, DateTimeOffset now, TimeZoneInfo zone, bool value = true)
    {
        var parts = new List<string> { card.Title };
        if (value) parts.Add(Money.Format(card.Value, card.Currency));
        if (card.OwnerName is not null) parts.Add(this["Card.OwnerLabel", card.OwnerName]);
        if (card.NextActionAt is { } due)
        {
            var when = TimeZoneInfo.ConvertTime(due, zone).ToString("g", CultureInfo.CurrentCulture);
            parts.Add(due < now ? this["Card.NextOverdueLabel", card.NextActionDetails ?? "", when] : this["Card.NextLabel", card.NextActionDetails ?? "", when]);
        }
        return string.Join(", ", parts);
    }

    // Plain strings are looked up once per language: a resource lookup walks the culture's fallbacks,
    // and a live board asks for the same few (a card's hint, a stage's name) for every card it renders.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Culture, string Key), string> plain = new();

    public string this[string key] => plain.GetOrAdd((CultureInfo.CurrentUICulture.Name, key), static (k, l) => l[k.Key], l);

    /// <summary>A string about one stage, its name the one argument ("Add a card to Won"), made once per
    /// language and name and shared: every open board renders a few for each stage, and keeps each in its
    /// render tree, so a string formatted anew was a copy per open board.</summary>
    public string OfStage(string key, string stageName) =>
        ofStage.Get((CultureInfo.CurrentUICulture.Name, key, stageName), static (k, text) => text[k.Key, k.Name], this);

    private static readonly SharedStrings<(string Culture, string Key, string Name)> ofStage = new();

    /// <summary>A string with its arguments put in, formatted from the plain string above: the resource
    /// manager takes a lock for each lookup, and every open board formats a few for each live change
    /// (a stage's list label, its count), so that 200 circuits rendering one move at once queued on it.</summary>
    public string this[string key, params object[] arguments] => string.Format(CultureInfo.CurrentCulture, this[key], arguments);
}

/// <summary>
/// Strings that many circuits render alike, made once and shared. Every open board keeps what it
/// renders (twice: the frames it shows and the ones before), so a string each circuit makes for itself
/// is one more copy per open board. Holds at most <paramref name="capacity"/>; when full it starts again
/// empty (a string still shown stays where it is shown).
/// </summary>
public sealed class SharedStrings<TKey>(int capacity = 20_000) where TKey : notnull
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TKey, string> made = new();

    public string Get<TState>(TKey key, Func<TKey, TState, string> make, TState state)
    {
        if (made.TryGetValue(key, out var known)) return known;
        if (made.Count >= capacity) made.Clear();
        return made.GetOrAdd(key, make, state);
    }
}

using System.Globalization;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>Card values in the viewer's culture (digits, separators, symbol placement) with the
/// symbol of the card's own currency, as that culture writes it: $ in en-US, US$ in pt-BR.</summary>
public static class Money
{
    private static readonly Dictionary<(string Language, string Currency), string> Symbols = new()
    {
        [("en", "USD")] = "$", [("pt", "USD")] = "US$",
        [("en", "BRL")] = "R$", [("pt", "BRL")] = "R$",
        [("en", "EUR")] = "€", [("pt", "EUR")] = "€",
        [("en", "GBP")] = "£", [("pt", "GBP")] = "£",
    };

    public static string Format(decimal value, string currency, CultureInfo? culture = null)
    {
        culture ??= CultureInfo.CurrentCulture;
        return value.ToString("C0", Formats.GetOrAdd((culture.Name, currency), static (key, culture) =>
        {
            var format = (NumberFormatInfo)culture.NumberFormat.Clone();
            var code = key.Currency.Trim().ToUpperInvariant();
            format.CurrencySymbol = Symbols.TryGetValue((culture.TwoLetterISOLanguageName, code), out var symbol) ? symbol : code;
            return NumberFormatInfo.ReadOnly(format);
        }, culture));
    }

    // One format per culture and currency, made once: a board formats a value for every card it shows.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Culture, string Currency), NumberFormatInfo> Formats = new();
}

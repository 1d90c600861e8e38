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
        var format = (NumberFormatInfo)culture.NumberFormat.Clone();
        format.CurrencySymbol = Symbols.TryGetValue((culture.TwoLetterISOLanguageName, currency.Trim().ToUpperInvariant()), out var symbol)
            ? symbol
            : currency.Trim().ToUpperInvariant();
        return value.ToString("C0", format);
    }
}

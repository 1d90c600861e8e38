using Microsoft.AspNetCore.Localization;

namespace KanbanBlazor.Web.Components;

/// <summary>The languages the UI speaks. Strings live in Resources/Strings.resx (English) and
/// Resources/Strings.pt-BR.resx; dates, numbers and money follow the same culture.</summary>
public static class Cultures
{
    public const string Default = "en-US";

    public static readonly IReadOnlyList<(string Culture, string Name)> Supported =
    [
        ("en-US", "English"),
        ("pt-BR", "Português (Brasil)"),
    ];

    public static string[] Names => Supported.Select(c => c.Culture).ToArray();

    public static bool IsSupported(string? culture) => Supported.Any(c => c.Culture == culture);

    /// <summary>Makes <paramref name="culture"/> the UI language of this browser's next requests, for a year.</summary>
    public static void Remember(HttpContext http, string culture) =>
        http.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
}

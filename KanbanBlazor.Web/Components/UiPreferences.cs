namespace KanbanBlazor.Web.Components;

/// <summary>
/// What the user chose for the whole UI, remembered in cookies: the theme here, the language by
/// ASP.NET Core's request localization (<see cref="Microsoft.AspNetCore.Localization.CookieRequestCultureProvider"/>).
/// Read once by the page request and handed to the interactive tree as a root parameter.
/// </summary>
public sealed record UiPreferences(bool DarkMode, string? TimeZoneId = null)
{
    public const string ThemeCookie = "kb.theme";
    /// <summary>The browser's IANA time zone, written by js/start.js on every page load.</summary>
    public const string TimeZoneCookie = "kb.tz";

    public static bool IsDark(HttpContext http) => http.Request.Cookies[ThemeCookie] == "dark";

    public static string? TimeZoneOf(HttpContext http) => http.Request.Cookies[TimeZoneCookie] is { Length: > 0 and <= 100 } id ? Uri.UnescapeDataString(id) : null;

    /// <summary>The time zone the browser said it is in, when it said one this server knows.</summary>
    public TimeZoneInfo? TimeZone => TimeZoneId is not null && TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId, out var zone) ? zone : null;
}

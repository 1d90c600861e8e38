namespace KanbanBlazor.Web.Components;

/// <summary>
/// What the user chose for the whole UI, remembered in cookies: the theme here, the language by
/// ASP.NET Core's request localization (<see cref="Microsoft.AspNetCore.Localization.CookieRequestCultureProvider"/>).
/// Read once by the page request and handed to the interactive tree as a root parameter.
/// </summary>
public sealed record UiPreferences(bool DarkMode)
{
    public const string ThemeCookie = "kb.theme";

    public static bool IsDark(HttpContext http) => http.Request.Cookies[ThemeCookie] == "dark";
}

namespace KanbanBlazor.Web.Components;

/// <summary>
/// What the user chose for the whole UI, remembered in cookies: the theme here, the language by
/// ASP.NET Core's request localization (<see cref="Microsoft.AspNetCore.Localization.CookieRequestCultureProvider"/>).
/// Read once by the page request and handed to the interactive tree as a root parameter.
/// </summary>
public sealed record UiPreferences(bool DarkMode, string? TimeZoneId = null, string? Collapsed = null)
{
    /// <summary>The stages each user collapsed on each board of this browser: "user:board=stage,stage|…".</summary>
    public const string CollapsedCookie = "kb.collapsed";
    public const int MaxCollapsedLength = 3000;

    public static string? CollapsedOf(HttpContext http) =>
        http.Request.Cookies[CollapsedCookie] is { Length: > 0 } value && value.Length <= MaxCollapsedLength ? Uri.UnescapeDataString(value) : null;

    /// <summary>The stages <paramref name="userId"/> collapsed on the <paramref name="entityType"/> board.</summary>
    public static IReadOnlySet<string> CollapsedStages(string? cookie, Guid userId, string entityType) =>
        Entries(cookie).TryGetValue(Key(userId, entityType), out var stages) ? stages : new HashSet<string>();

    /// <summary>The cookie's value with this user's stages on this board replaced (older entries kept, up to the cookie's size).</summary>
    public static string WithCollapsed(string? cookie, Guid userId, string entityType, IEnumerable<string> stages)
    {
        var entries = Entries(cookie);
        var set = stages.ToHashSet();
        if (set.Count == 0) entries.Remove(Key(userId, entityType));
        else entries[Key(userId, entityType)] = set;
        var value = string.Join('|', entries.Select(e => $"{e.Key}={string.Join(',', e.Value)}"));
        return value.Length <= MaxCollapsedLength ? value : $"{Key(userId, entityType)}={string.Join(',', set)}";
    }

    private static string Key(Guid userId, string entityType) => $"{userId:N}:{entityType}";

    private static Dictionary<string, HashSet<string>> Entries(string? cookie) =>
        (cookie ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0])
            .ToDictionary(g => g.Key, g => g.Last()[1].Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet());

    public const string ThemeCookie = "kb.theme";
    /// <summary>The browser's IANA time zone, written by js/start.js on every page load.</summary>
    public const string TimeZoneCookie = "kb.tz";

    public static bool IsDark(HttpContext http) => http.Request.Cookies[ThemeCookie] == "dark";

    public static string? TimeZoneOf(HttpContext http) => http.Request.Cookies[TimeZoneCookie] is { Length: > 0 and <= 100 } id ? Uri.UnescapeDataString(id) : null;

    /// <summary>The time zone the browser said it is in, when it said one this server knows.</summary>
    public TimeZoneInfo? TimeZone => TimeZoneId is not null && TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId, out var zone) ? zone : null;
}

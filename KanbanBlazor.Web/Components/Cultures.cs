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
}

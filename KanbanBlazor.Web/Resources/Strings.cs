namespace KanbanBlazor.Web;

/// <summary>Marker for the UI's strings: Resources/Strings.resx (English, the fallback) and
/// Resources/Strings.pt-BR.resx. Inject <c>IStringLocalizer&lt;Strings&gt;</c>.</summary>
public sealed class Strings;

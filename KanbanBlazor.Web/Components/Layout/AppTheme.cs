using MudBlazor;

namespace KanbanBlazor.Web.Components.Layout;

/// <summary>The one theme: palette (light and dark) and typography. Components use its colours and
/// MudBlazor's spacing classes; only the board's drag-and-drop surface has a stylesheet of its own.</summary>
public static class AppTheme
{
    /// <summary>The app bar slot where a page names what it shows (the current board).</summary>
    public const string AppBarTitle = "app-bar-title";

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3a36c4",
            Secondary = "#00796b",
            AppbarBackground = "#3a36c4",
            Background = "#f4f5f7",
            TextPrimary = "#172b4d",
            TextSecondary = "#44546f",
            Success = "#216e4e",
            Warning = "#8a3c00",
            Error = "#b3261e",
            Info = "#0b5cad", // MudBlazor's default blue is too light for text on its tinted alert
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#a8a6ff",
            PrimaryContrastText = "#15143a",
            Secondary = "#4db6ac",
            AppbarBackground = "#1f1f2b",
            Background = "#15151c",
            Surface = "#22222d",
            DrawerBackground = "#1c1c26",
            TextPrimary = "#e8e8f0",
            TextSecondary = "#b8bccb",
            Success = "#6fdca6",
            Warning = "#ffb870",
            Error = "#ffb4ab",
            Info = "#9ccaff",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "system-ui", "sans-serif"] },
        },
    };
}

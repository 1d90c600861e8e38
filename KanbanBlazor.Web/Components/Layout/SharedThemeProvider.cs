using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace KanbanBlazor.Web.Components.Layout;

/// <summary>
/// The theme's stylesheet (about 22 KB of CSS variables) exactly as MudBlazor's <see cref="MudThemeProvider"/>
/// renders it, made once per theme and mode (by MudBlazor itself, in an <see cref="HtmlRenderer"/>) and
/// shared by every circuit as one string. A <see cref="MudThemeProvider"/> on each page built the string
/// anew at each render, and held a default theme of its own besides the one it was given: about 50 KB per
/// open page. The light or dark mode is the user's setting (<see cref="UiPreferences"/>), so the
/// system's preference is not watched from the browser.
/// </summary>
public sealed class SharedThemeProvider : ComponentBase
{
    private static readonly ConditionalWeakTable<MudTheme, Task<string>?[]> Made = [];
    private string? markup;

    [Inject] private IServiceProvider Services { get; set; } = null!;
    [Inject] private ILoggerFactory LoggerFactory { get; set; } = null!;

    [Parameter] public MudTheme Theme { get; set; } = AppTheme.Theme;
    [Parameter] public bool IsDarkMode { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        var made = Made.GetValue(Theme, static _ => new Task<string>?[2]);
        var mode = IsDarkMode ? 1 : 0;
        // Two circuits asking at once may both make it; either string is the same.
        var making = made[mode] ??= MakeAsync(Theme, IsDarkMode);
        try
        {
            markup = await making;
        }
        catch
        {
            made[mode] = null;
            throw;
        }
    }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        if (markup is not null) builder.AddMarkupContent(0, markup);
    }

    /// <summary>What <see cref="MudThemeProvider"/> renders for this theme and mode, rendered to HTML outside any
    /// circuit (an HTML renderer never runs its browser half), so that it stays what the MudBlazor version we use renders.</summary>
    private async Task<string> MakeAsync(MudTheme theme, bool dark)
    {
        await using var renderer = new HtmlRenderer(Services, LoggerFactory);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(MudThemeProvider.Theme)] = theme,
                [nameof(MudThemeProvider.IsDarkMode)] = dark,
                [nameof(MudThemeProvider.ObserveSystemDarkModeChange)] = false,
            });
            var output = await renderer.RenderComponentAsync<MudThemeProvider>(parameters);
            return output.ToHtmlString();
        });
    }
}

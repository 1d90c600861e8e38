using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace KanbanBlazor.Web.Components.Layout;

/// <summary>
/// MudBlazor's theme provider, rendering the theme's stylesheet (about 22 KB of CSS variables) as one
/// string made once per theme and mode and shared by every circuit. MudBlazor's own builds a new string
/// at each render and each circuit holds it: 45 KB per open page. The light or dark mode is the user's
/// setting (<see cref="UiPreferences"/>), so the system's preference is not watched from the browser.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    private static readonly ConditionalWeakTable<MudTheme, string?[]> Made = [];
    private MudTheme theme = AppTheme.Theme;
    private bool dark;

    public override Task SetParametersAsync(ParameterView parameters)
    {
        theme = parameters.TryGetValue<MudTheme>(nameof(Theme), out var given) && given is not null ? given : AppTheme.Theme;
        dark = parameters.TryGetValue<bool>(nameof(IsDarkMode), out var isDark) && isDark;
        return base.SetParametersAsync(parameters);
    }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        var made = Made.GetValue(theme, static _ => new string?[2]);
        var mode = dark ? 1 : 0;
        var markup = made[mode] ??= Markup();
        if (markup is null)
            base.BuildRenderTree(builder);
        else
            builder.AddMarkupContent(0, markup);
    }

    /// <summary>What MudBlazor renders, as one string; null when it is more than markup (then it renders itself).
    /// Read from its own render tree, so that it stays what MudBlazor renders in the version we use.</summary>
#pragma warning disable BL0006 // reading the frames of a scratch render tree, never a live one
    private string? Markup()
    {
        var scratch = new RenderTreeBuilder();
        base.BuildRenderTree(scratch);
        var frames = scratch.GetFrames();
        var html = new StringBuilder();
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames.Array[i];
            if (frame.FrameType != RenderTreeFrameType.Markup) return null;
            html.Append(frame.MarkupContent);
        }
        return html.ToString();
    }
#pragma warning restore BL0006
}

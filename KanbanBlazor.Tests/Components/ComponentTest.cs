using System.Globalization;
using Bunit;
using KanbanBlazor.Web;
using KanbanBlazor.Web.Features.Board;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Xunit;

namespace KanbanBlazor.Tests.Components;

/// <summary>
/// bUnit with the app's real MudBlazor services and string resources, in a chosen culture.
/// MudBlazor's services dispose only asynchronously, so the context is disposed through IAsyncLifetime.
/// </summary>
public abstract class ComponentTest : BunitContext, IAsyncLifetime
{
    protected ComponentTest()
    {
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddScoped<BoardText>();
        Services.AddScoped<SortableScript>();
        Services.AddSingleton<AntiforgeryStateProvider>(new TestAntiforgery());
        JSInterop.Mode = JSRuntimeMode.Loose;
        UseCulture("en-US");
    }

    /// <summary>Renders what follows in <paramref name="culture"/> (numbers, dates and strings).</summary>
    protected static void UseCulture(string culture)
    {
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private sealed class TestAntiforgery : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken GetAntiforgeryToken() => new("test-token", "__RequestVerificationToken");
    }
}

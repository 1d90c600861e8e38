using Microsoft.JSInterop;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// The lists' script (js/sortable-list.js), imported once per circuit and shared by every list on the
/// page (a scoped service): a board's nine lists made nine imports, each a round trip to the browser
/// before the board could be dragged, and each kept a module reference of its own.
/// </summary>
public sealed class SortableScript(IJSRuntime js) : IAsyncDisposable
{
    private Task<IJSObjectReference>? module;

    /// <summary>The module, imported on first use (again if that import failed).</summary>
    public Task<IJSObjectReference> ModuleAsync()
    {
        if (module is null || module.IsFaulted || module.IsCanceled)
            module = js.InvokeAsync<IJSObjectReference>("import", "./js/sortable-list.js").AsTask();
        return module;
    }

    public async ValueTask DisposeAsync()
    {
        if (module is not { IsCompletedSuccessfully: true }) return;
        try
        {
            await module.Result.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The page is gone, and the module with it.
        }
    }
}

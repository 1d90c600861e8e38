using Microsoft.AspNetCore.Components;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Sends several components' renders to the browser as one batch. Outside an event handler, each
/// <c>StateHasChanged</c> renders at once and goes to the browser on its own: a colleague's move that
/// shows in two stages and the board's count was three messages, each acknowledged by the browser.
/// <see cref="Run"/> calls its action while this component renders (it renders nothing itself), so
/// every render the action asks for joins that one batch.
/// </summary>
public sealed class RenderTogether : IComponent
{
    private RenderHandle handle;

    public void Attach(RenderHandle renderHandle) => handle = renderHandle;

    public Task SetParametersAsync(ParameterView parameters) => Task.CompletedTask;

    /// <summary>Calls <paramref name="show"/> inside one render batch (on the renderer's dispatcher,
    /// as any render is); the components it tells to render go to the browser together.</summary>
    public void Run(Action show) => handle.Render(_ => show());
}

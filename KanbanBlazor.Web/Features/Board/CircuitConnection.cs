using Microsoft.AspNetCore.Components.Server.Circuits;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>This circuit's connection to its browser (a scoped service): says when the browser came
/// back after losing the connection, so that open boards catch up on what they may have missed.</summary>
public sealed class CircuitConnection
{
    private readonly List<Func<Task>> listeners = [];

    public IDisposable OnReconnected(Func<Task> listener)
    {
        lock (listeners) listeners.Add(listener);
        return new Subscription(() => { lock (listeners) listeners.Remove(listener); });
    }

    internal async Task ReconnectedAsync()
    {
        Func<Task>[] now;
        lock (listeners) now = [.. listeners];
        foreach (var listener in now) await listener();
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>Tells <see cref="CircuitConnection"/> of every connection after the first.</summary>
public sealed class CircuitConnectionHandler(CircuitConnection connection) : CircuitHandler
{
    private int connections;

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken) =>
        Interlocked.Increment(ref connections) > 1 ? connection.ReconnectedAsync() : Task.CompletedTask;
}

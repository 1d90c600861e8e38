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

/// <summary>The address a board write came from (the API caller's, or the browser's whose circuit made
/// it), for the event log's metadata; flows with the async call that writes.</summary>
public static class ClientAddress
{
    private static readonly AsyncLocal<string?> current = new();

    public static string? Current
    {
        get => current.Value;
        set => current.Value = value;
    }

    /// <summary>Every request's writes are from its client's address (after the trusted proxy's forwarding).</summary>
    public static IApplicationBuilder UseClientAddress(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        Current = http.Connection.RemoteIpAddress?.ToString();
        await next(http);
    });
}

/// <summary>Tells <see cref="CircuitConnection"/> of every connection after the first, and marks what
/// the circuit does as coming from its browser's address.</summary>
public sealed class CircuitConnectionHandler(CircuitConnection connection, IHttpContextAccessor http) : CircuitHandler
{
    private int connections;
    private readonly string? address = http.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        context =>
        {
            ClientAddress.Current = address;
            return next(context);
        };

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken) =>
        Interlocked.Increment(ref connections) > 1 ? connection.ReconnectedAsync() : Task.CompletedTask;
}

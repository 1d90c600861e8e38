using System.Net;
using System.Net.Sockets;

namespace KanbanBlazor.E2E;

/// <summary>
/// A TCP relay on a loopback port, so that a test can cut a line for a while, as a network fault or
/// a restart would: between the app and PostgreSQL, or between a browser and the app.
/// <see cref="Cut"/> drops every open connection and refuses new ones (WebSockets and long polling
/// alike); <see cref="Restore"/> accepts them again on the same port.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly List<TcpClient> open = [];
    private readonly Lock gate = new();
    private TcpListener? listener;
    private CancellationTokenSource accepting = new();

    public TcpRelay(int targetPort)
    {
        target = new IPEndPoint(IPAddress.Loopback, targetPort);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Restore();
    }

    public int Port { get; }

    public void Restore()
    {
        lock (gate)
        {
            if (listener is not null) return;
            accepting = new CancellationTokenSource();
            listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _ = AcceptAsync(listener, accepting.Token);
        }
    }

    public void Cut()
    {
        lock (gate)
        {
            accepting.Cancel();
            listener?.Stop();
            listener = null;
            foreach (var client in open) client.Dispose();
            open.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener from, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await from.AcceptTcpClientAsync(ct);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            _ = RelayAsync(client, ct);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken ct)
    {
        var server = new TcpClient();
        lock (gate)
        {
            open.Add(client);
            open.Add(server);
        }
        try
        {
            await server.ConnectAsync(target, ct);
            var a = client.GetStream();
            var b = server.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, ct), b.CopyToAsync(a, ct));
        }
        catch (Exception)
        {
            // One side went away (or the test cut the line): close both.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
            lock (gate)
            {
                open.Remove(client);
                open.Remove(server);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}

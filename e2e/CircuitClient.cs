using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace KanbanBlazor.E2E;

/// <summary>
/// A board viewer without a browser: it opens a Blazor Server circuit the way blazor.web.js does (the
/// page's root-component markers, StartCircuit, UpdateRootComponents over SignalR's "blazorpack"
/// protocol), acknowledges every render batch, and answers the page's JavaScript calls with what a
/// browser would (a module reference for an import, the time zone, nothing for the rest). It keeps no
/// DOM: it notes when render batches arrive and whether one carries a given text (a card's id), which is
/// how the benchmark tells a move has reached this viewer. Everything waits asynchronously: a thousand of
/// these run on a few threads.
/// </summary>
public sealed partial class CircuitClient : IAsyncDisposable
{
    private readonly HubConnection connection;
    private long nextObjectId = 1;
    private byte[]? watched;
    private TaskCompletionSource<long>? seen;
    private readonly TaskCompletionSource interactive = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string? circuitId;
    private HttpClient? http;
    private string? baseUrl;

    private CircuitClient(HubConnection connection) => this.connection = connection;

    /// <summary>Render batches received, and their bytes.</summary>
    public int Batches { get; private set; }
    public long BatchBytes { get; private set; }
    /// <summary>The largest single render batch (the first screen, usually).</summary>
    public int LargestBatch { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Opens <paramref name="path"/> as the user of <paramref name="cookies"/> and waits until the
    /// page has rendered <paramref name="readyText"/> (the board, interactive).</summary>
    public static async Task<CircuitClient> OpenAsync(HttpClient http, string baseUrl, string cookies, string path, string readyText, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + path);
        request.Headers.Add("Cookie", cookies);
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var html = await response.Content.ReadAsStringAsync(ct);
        var markers = Markers().Matches(html).Select(m => JsonDocument.Parse(m.Groups[1].Value).RootElement.Clone())
            .Where(m => m.TryGetProperty("type", out var type) && type.GetString() == "server" && m.TryGetProperty("descriptor", out _))
            .OrderBy(m => m.GetProperty("sequence").GetInt32()).ToList();
        if (markers.Count == 0) throw new InvalidOperationException($"{path} has no interactive server component.");
        var state = State().Match(html) is { Success: true } found ? found.Groups[1].Value : "";

        var builder = new HubConnectionBuilder()
            .WithUrl(baseUrl + "/_blazor", options =>
            {
                options.Headers["Cookie"] = cookies;
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            });
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPackProtocol());
        var client = new CircuitClient(builder.Build());
        client.Listen(Encoding.UTF8.GetBytes(readyText), client.interactive);
        await client.connection.StartAsync(ct);
        var uri = baseUrl + path;
        var circuit = await client.connection.InvokeAsync<string?>("StartCircuit", baseUrl + "/", uri, "[]", "", ct);
        if (circuit is null) throw new InvalidOperationException("The server refused the circuit: " + client.Error);
        (client.circuitId, client.http, client.baseUrl) = (circuit, http, baseUrl);
        var operations = JsonSerializer.Serialize(new { batchId = 1, operations = markers.Select((marker, i) => new { type = "add", ssrComponentId = i + 1, marker }) });
        await client.connection.SendAsync("UpdateRootComponents", operations, state, ct);
        await client.interactive.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        return client;
    }

    /// <summary>From now on, the time (Stopwatch ticks) of the first render batch that carries <paramref name="text"/>.</summary>
    public Task<long> WatchFor(string text)
    {
        var arrived = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (this)
        {
            watched = Encoding.UTF8.GetBytes(text);
            seen = arrived;
        }
        return arrived.Task;
    }

    private void Listen(byte[] readyText, TaskCompletionSource ready)
    {
        connection.On<long, byte[]>("JS.RenderBatch", async (batchId, batch) =>
        {
            var at = Stopwatch.GetTimestamp();
            Batches++;
            BatchBytes += batch.Length;
            LargestBatch = Math.Max(LargestBatch, batch.Length);
            if (!ready.Task.IsCompleted && batch.AsSpan().IndexOf(readyText) >= 0) ready.TrySetResult();
            TaskCompletionSource<long>? arrived = null;
            lock (this)
            {
                if (seen is not null && watched is not null && batch.AsSpan().IndexOf(watched) >= 0) (arrived, seen, watched) = (seen, null, null);
            }
            arrived?.TrySetResult(at);
            await connection.SendAsync("OnRenderCompleted", batchId, null);
        });
        connection.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long), typeof(int)], async args =>
        {
            var (handle, identifier, resultType) = ((long)args[0]!, (string)args[1]!, (int)args[3]!);
            if (handle == 0) return;
            // 1: a JS object reference (an imported module, an attached list); 3: nothing.
            object? result = resultType == 1 ? new Dictionary<string, long> { ["__jsObjectId"] = Interlocked.Increment(ref nextObjectId) }
                : identifier == "timeZone" ? "Europe/Berlin"
                : null;
            await connection.SendAsync("EndInvokeJSFromDotNet", handle, true, JsonSerializer.Serialize(new object?[] { handle, true, result }));
        });
        connection.On<string>("JS.Error", error =>
        {
            Error = error;
            ready.TrySetException(new InvalidOperationException("The circuit failed: " + error));
        });
    }

    /// <summary>Closes the circuit as a browser leaving the page does (the disconnect beacon), so that the
    /// server ends it at once rather than keeping it for a reconnection; then the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (circuitId is not null && http is not null)
        {
            try
            {
                using var beacon = new FormUrlEncodedContent([new("circuitId", circuitId)]);
                using var _ = await http.PostAsync(baseUrl + "/_blazor/disconnect", beacon);
            }
            catch (HttpRequestException)
            {
                // The server is gone already.
            }
        }
        await connection.DisposeAsync();
    }

    [GeneratedRegex(@"<!--Blazor:(\{.*?\})-->", RegexOptions.Singleline)]
    private static partial Regex Markers();

    [GeneratedRegex(@"<!--Blazor-Server-Component-State:([A-Za-z0-9+/=]+)-->")]
    private static partial Regex State();

    /// <summary>SignalR's MessagePack protocol under the name Blazor Server speaks it by.</summary>
    private sealed class BlazorPackProtocol : IHubProtocol
    {
        private readonly MessagePackHubProtocol inner = new();
        public string Name => "blazorpack";
        public int Version => inner.Version;
        public TransferFormat TransferFormat => TransferFormat.Binary;
        public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message) =>
            inner.TryParseMessage(ref input, binder, out message);
        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);
        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace KanbanBlazor.E2E;

/// <summary>
/// Benchmark, not a test (run by ./bench.sh): N headless circuits (<see cref="CircuitClient"/>) watch
/// acme's lead board, for N = 50, 200, 1,000, 2,000 (KANBAN_BENCH_CIRCUITS). For each N it reports the
/// server's managed heap per circuit, how long one move made through the API takes to reach all N
/// (p50, p99 over every watcher of every move), and the moves per second four movers sustain while N
/// watch, and the server's CPU time per move (from the app process's own counters) less the same with
/// no circuit open, per watcher. The reference, measured in the same run: the same moves, heap and CPU
/// with no circuit open, and the API's own answer time for each move.
/// </summary>
[Collection(AppCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class CircuitLoadBenchmark(AppFixture app, ITestOutputHelper output)
{
    private const int DeliveryMoves = 20;
    private const int WarmUpMoves = 40;
    private static readonly TimeSpan Sustain = TimeSpan.FromSeconds(5);

    internal sealed record Card(Guid Id, int Version, string Stage);

    [Fact]
    public async Task Move_delivery_memory_and_throughput_with_many_circuits_on_one_board()
    {
        var sizes = (Environment.GetEnvironmentVariable("KANBAN_BENCH_CIRCUITS") ?? "50,200,1000,2000")
            .Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var cookies = await app.CookieHeaderAsync("manager@acme.demo");
        var token = await TokenAsync(http, app.BaseUrl);
        // The cards moved, as they are now (each move gives a card a new version).
        var cards = (await CardsAsync(http, app.BaseUrl, token, "new")).Take(5).ToArray();
        var report = new StringBuilder();
        void Say(string line)
        {
            output.WriteLine(line);
            report.AppendLine(line);
        }

        // Warm-up, unmeasured: a server that has been up a while has long compiled and tiered up the
        // code of moves and of circuits; one just started spends much of its first minute doing so.
        // Twice: the .NET runtime counts calls for tiering only once new code has stopped appearing for a
        // while, so code first run amid the first round's new circuits is only tiered up in the second.
        var settled = TimeSpan.Zero;
        for (var round = 0; round < 2; round++)
        {
            var warming = new List<CircuitClient>();
            for (var i = 0; i < 20; i++) warming.Add(await CircuitClient.OpenAsync(http, app.BaseUrl, cookies, "/board/lead", "data-sequence", CancellationToken.None));
            await DeliveryAsync(http, token, cards, warming, WarmUpMoves * 2);
            await SustainedAsync(http, token, cards);
            await Task.WhenAll(warming.Select(c => c.DisposeAsync().AsTask()));
            settled += await SettleAsync();
        }
        Say(Invariant($"warm-up: twice 20 circuits, {WarmUpMoves * 2} moves to them and {Sustain.TotalSeconds:F0} s of moves; the app's CPU then took {settled.TotalSeconds:F0} s in all to settle (the JIT tiering up what ran)"));
        var (baseHeap, openViews) = await BenchResults.MemoryAsync(http, app.BaseUrl);
        var (baseRate, baseSustainedCpu, _, _) = await SustainedAsync(http, token, cards);
        var (_, baseApi, baseCpu) = await DeliveryAsync(http, token, cards, []);
        await SettleAsync();
        var baseIdle = await IdleCpuAsync();
        Say(Invariant($"reference, no circuit open ({openViews} board views left from the warm-up): heap {baseHeap / 1048576.0:F1} MB; {baseRate:F0} moves/s sustained by 4 API movers; API answers a move in p50 {Percentile(baseApi, 0.5):F1} ms, p99 {Percentile(baseApi, 0.99):F1} ms; server CPU per move {baseCpu:F1} ms one at a time, {baseSustainedCpu:F1} ms sustained; idle, {baseIdle:F1} ms of CPU per second"));

        var circuits = new List<CircuitClient>();
        try
        {
            foreach (var size in sizes)
            {
                try
                {
                    await MeasureAsync(size);
                }
                catch (Exception ex) when (ex is TimeoutException or TaskCanceledException or HttpRequestException or InvalidOperationException)
                {
                    // A size the machine cannot carry is a figure too: say so, and stop growing.
                    Say(Invariant($"N={size}: not reached with {circuits.Count} open: {ex.GetType().Name}: {ex.Message}"));
                    break;
                }
            }
        }
        finally
        {
            await Task.WhenAll(circuits.Select(c => c.DisposeAsync().AsTask()));
            await BenchResults.WriteAsync("circuits.txt", report.ToString());
        }

        async Task MeasureAsync(int size)
        {
            var opening = Stopwatch.StartNew();
            using (var gate = new SemaphoreSlim(16))
            {
                var opened = await Task.WhenAll(Enumerable.Range(circuits.Count, size - circuits.Count).Select(async _ =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        return await CircuitClient.OpenAsync(http, app.BaseUrl, cookies, "/board/lead", "data-sequence", CancellationToken.None);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
                circuits.AddRange(opened);
            }
            var openTime = opening.Elapsed;
            var heap = await BenchResults.HeapAsync(http, app.BaseUrl);
            var perCircuit = (heap - baseHeap) / (double)circuits.Count;
            var firstScreen = circuits.Take(20).Average(c => c.LargestBatch);

            // The same moves first, unmeasured: what the new circuits run for the first time gets compiled
            // and tiered up (a server that has been up a while has done that long ago).
            await DeliveryAsync(http, token, cards, circuits, WarmUpMoves);
            await SettleAsync();
            var idle = await IdleCpuAsync();

            var batchesBefore = circuits.Sum(c => (long)c.Batches);
            var (latencies, api, cpu) = await DeliveryAsync(http, token, cards, circuits);
            var batches = (circuits.Sum(c => (long)c.Batches) - batchesBefore) / (double)(DeliveryMoves * circuits.Count);
            var (rate, sustainedCpu, behindP50, behindMax) = await SustainedAsync(http, token, cards, circuits);
            Say(Invariant($"N={circuits.Count}: opened in {openTime.TotalSeconds:F1} s; heap {perCircuit / 1024:F0} KB per circuit (first screen {firstScreen / 1024:F0} KB); ") +
                Invariant($"one move reaches all {circuits.Count}: p50 {Percentile(latencies, 0.5):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms (API answered: p50 {Percentile(api, 0.5):F1} ms); ") +
                Invariant($"server CPU {cpu:F1} ms per move, {(cpu - baseCpu) / circuits.Count * 1000:F0} µs per watcher, {batches:F1} render batches to each; ") +
                Invariant($"{rate:F0} moves/s sustained while they watch ({rate / baseRate:F2} of the reference; server CPU {sustainedCpu:F1} ms per move), and when the movers stopped the circuits were behind by p50 {behindP50:F0} ms, at most {behindMax:F0} ms; ") +
                Invariant($"while nothing happens, {idle:F1} ms of server CPU per second ({(idle - baseIdle) / circuits.Count * 1000:F0} µs per circuit)"));
            Assert.True(latencies.Count == DeliveryMoves * circuits.Count, "every move reached every circuit");
        }
    }

    /// <summary>Moves the first of <paramref name="cards"/> back and forth <see cref="DeliveryMoves"/> times, one at a time,
    /// each when every circuit has seen the last: how long each took to reach each circuit, and the API's answer time.</summary>
    private async Task<(List<double> Latencies, List<double> Api, double CpuPerMove)> DeliveryAsync(HttpClient http, string token, Card[] cards, List<CircuitClient> circuits, int moves = DeliveryMoves)
    {
        var cpuBefore = app.AppCpuTime;
        var card = cards[0];
        var latencies = new List<double>();
        var api = new List<double>();
        for (var i = 0; i < moves; i++)
        {
            var to = card.Stage == "new" ? "contacted" : "new";
            var arrivals = circuits.Select(c => c.WatchFor(card.Id.ToString())).ToList();
            var started = Stopwatch.GetTimestamp();
            card = await MoveAsync(http, app.BaseUrl, token, card, to);
            api.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var seen = await Task.WhenAll(arrivals).WaitAsync(TimeSpan.FromSeconds(60));
            latencies.AddRange(seen.Select(at => Stopwatch.GetElapsedTime(started, at).TotalMilliseconds));
        }
        cards[0] = card;
        return (latencies, api, (app.AppCpuTime - cpuBefore).TotalMilliseconds / moves);
    }

    /// <summary>Four movers, each moving its own card (cards 1 to 4) back and forth as fast as the API answers:
    /// moves per second, and the app's CPU time per move meanwhile. With circuits watching, how far behind
    /// they were when the movers stopped: a move of card 0 made then reaches each of them only after every
    /// move before it (a viewer is told of changes in order), so the time from the stop to its arrival is
    /// what that circuit still had to hear (p50 and the last of all).</summary>
    private async Task<(double Rate, double CpuPerMove, double BehindP50, double BehindMax)> SustainedAsync(HttpClient http, string token, Card[] cards,
        List<CircuitClient>? circuits = null)
    {
        var cpuBefore = app.AppCpuTime;
        var moves = 0;
        var until = Stopwatch.GetTimestamp() + (long)(Sustain.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(1, 4).Select(async mover =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                cards[mover] = await MoveAsync(http, app.BaseUrl, token, cards[mover], cards[mover].Stage == "new" ? "contacted" : "new");
                Interlocked.Increment(ref moves);
            }
        }));
        var rate = moves / Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = (app.AppCpuTime - cpuBefore).TotalMilliseconds / moves;
        if (circuits is not { Count: > 0 }) return (rate, cpu, 0, 0);
        var stopped = Stopwatch.GetTimestamp();
        var arrivals = circuits.Select(c => c.WatchFor(cards[0].Id.ToString())).ToList();
        cards[0] = await MoveAsync(http, app.BaseUrl, token, cards[0], cards[0].Stage == "new" ? "contacted" : "new");
        var behind = (await Task.WhenAll(arrivals).WaitAsync(TimeSpan.FromSeconds(120))).Select(at => Stopwatch.GetElapsedTime(stopped, at).TotalMilliseconds).ToList();
        return (rate, cpu, Percentile(behind, 0.5), behind.Max());
    }

    internal static async Task<Card> MoveAsync(HttpClient http, string baseUrl, string token, Card card, string to)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/api/v1/kanban/move")
        {
            // A body of known length goes out with the headers in one write (a chunked one waited on a delayed ACK: +40 ms).
            Content = new StringContent(JsonSerializer.Serialize(new { entityType = "lead", entityId = card.Id, toStageId = to, toIndex = 0, expectedVersion = card.Version }),
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Authorization", "Bearer " + token);
        request.Headers.Add("X-Tenant-Id", "acme");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Move refused ({(int)response.StatusCode}): {body}");
        using var json = JsonDocument.Parse(body);
        return card with { Version = json.RootElement.GetProperty("move").GetProperty("version").GetInt32(), Stage = to };
    }

    internal static async Task<string> TokenAsync(HttpClient http, string baseUrl)
    {
        using var response = await http.PostAsJsonAsync(baseUrl + "/api/v1/auth/token", new { email = "admin@acme.demo", password = AppFixture.Password, tenant = "acme" });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("accessToken").GetString()!;
    }

    internal static async Task<List<Card>> CardsAsync(HttpClient http, string baseUrl, string token, string stage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + "/api/v1/kanban/board/lead");
        request.Headers.Add("Authorization", "Bearer " + token);
        request.Headers.Add("X-Tenant-Id", "acme");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("id").GetString() == stage)
            .GetProperty("items").GetProperty("items").EnumerateArray()
            .Select(c => new Card(c.GetProperty("id").GetGuid(), c.GetProperty("version").GetInt32(), stage)).ToList();
    }


    /// <summary>The app's CPU time per second over five seconds in which nobody does anything: what open
    /// circuits cost by themselves (timers, keep-alives, revalidation).</summary>
    private async Task<double> IdleCpuAsync()
    {
        var before = app.AppCpuTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(5));
        return (app.AppCpuTime - before).TotalMilliseconds / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Waits (up to a minute) until the app is idle: under 5% of a core over half a second.</summary>
    private async Task<TimeSpan> SettleAsync()
    {
        var waiting = Stopwatch.StartNew();
        while (waiting.Elapsed < TimeSpan.FromMinutes(1))
        {
            var before = app.AppCpuTime;
            await Task.Delay(500);
            if ((app.AppCpuTime - before).TotalMilliseconds < 25) break;
        }
        return waiting.Elapsed;
    }

    internal static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

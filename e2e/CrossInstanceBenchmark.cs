using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;
using Xunit.Abstractions;
using static KanbanBlazor.E2E.CircuitLoadBenchmark;

namespace KanbanBlazor.E2E;

/// <summary>
/// Benchmark, not a test (run by ./bench.sh): headless circuits watch acme's lead board on two app
/// instances at once (KANBAN_BENCH_CROSS_CIRCUITS on each, default 50), and moves made through the
/// first instance's API, one at a time, reach them: the first instance's viewers hear each move from
/// their own hub (the reference, measured in the same run), the second's through PostgreSQL
/// (NOTIFY in the board transaction, the relay reading the log by sequence). Figures: p50 and p99 of
/// every watcher's delivery, same instance beside the other one.
/// </summary>
[Collection(AppCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class CrossInstanceBenchmark(AppFixture app, ITestOutputHelper output)
{
    private const int Moves = 40;

    [Fact]
    public async Task A_move_reaches_viewers_on_its_own_instance_and_on_another()
    {
        var second = await app.SecondInstanceAsync();
        using var http = Client();
        var cookies = await app.CookieHeaderAsync("manager@acme.demo");
        var text = await MeasureAsync(http, app.BaseUrl,
            () => CircuitClient.OpenAsync(http, app.BaseUrl, cookies, "/board/lead", "data-sequence", CancellationToken.None),
            () => CircuitClient.OpenAsync(http, second, cookies, "/board/lead", "data-sequence", CancellationToken.None),
            "Two instances");
        output.WriteLine(text);
        await BenchResults.WriteAsync("instances.txt", text);
    }

    internal static HttpClient Client() =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Opens KANBAN_BENCH_CROSS_CIRCUITS (default 50) circuits with each opener, moves one card
    /// through the API at <paramref name="moveUrl"/> (the instance of <paramref name="openLocal"/>'s
    /// circuits) 80 times, one at a time, and reports the second 40's delivery to every watcher.</summary>
    internal static async Task<string> MeasureAsync(HttpClient http, string moveUrl, Func<Task<CircuitClient>> openLocal, Func<Task<CircuitClient>> openRemote, string setup)
    {
        var each = int.Parse(Environment.GetEnvironmentVariable("KANBAN_BENCH_CROSS_CIRCUITS") ?? "50", CultureInfo.InvariantCulture);
        var token = await TokenAsync(http, moveUrl);
        var card = (await CardsAsync(http, moveUrl, token, "new")).First();
        var local = new List<CircuitClient>();
        var remote = new List<CircuitClient>();
        try
        {
            for (var i = 0; i < each; i++)
            {
                local.Add(await openLocal());
                remote.Add(await openRemote());
            }
            var sameInstance = new List<double>();
            var otherInstance = new List<double>();
            // The first half warms both instances up (JIT, pools, plans); the second half is measured.
            for (var i = 0; i < Moves * 2; i++)
            {
                var to = card.Stage == "new" ? "contacted" : "new";
                var here = local.Select(c => c.WatchFor(card.Id.ToString())).ToList();
                var there = remote.Select(c => c.WatchFor(card.Id.ToString())).ToList();
                var started = Stopwatch.GetTimestamp();
                card = await MoveAsync(http, moveUrl, token, card, to);
                var seenHere = await Task.WhenAll(here).WaitAsync(TimeSpan.FromSeconds(60));
                var seenThere = await Task.WhenAll(there).WaitAsync(TimeSpan.FromSeconds(60));
                if (i < Moves) continue;
                sameInstance.AddRange(seenHere.Select(at => Stopwatch.GetElapsedTime(started, at).TotalMilliseconds));
                otherInstance.AddRange(seenThere.Select(at => Stopwatch.GetElapsedTime(started, at).TotalMilliseconds));
            }
            Assert.Equal(Moves * each, otherInstance.Count);
            var text = new StringBuilder();
            text.AppendLine(Invariant($"{setup}, {each} circuits watching acme's lead board on each; {Moves} moves through the first instance's API, one at a time (after {Moves} unmeasured):"));
            text.AppendLine(Invariant($"  reference, viewers on the same instance: p50 {Percentile(sameInstance, 0.5):F1} ms, p99 {Percentile(sameInstance, 0.99):F1} ms"));
            text.AppendLine(Invariant($"  viewers on the other instance (relayed by PostgreSQL): p50 {Percentile(otherInstance, 0.5):F1} ms, p99 {Percentile(otherInstance, 0.99):F1} ms"));
            return text.ToString();
        }
        finally
        {
            await Task.WhenAll(local.Concat(remote).Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The same benchmark on the local cluster (scripts/cluster.sh): the circuits connect through nginx,
/// pinned to either instance by the affinity cookie, and both instances reach PostgreSQL through
/// PgBouncer in transaction mode. The moves go straight to the first instance's API (an API client
/// has no affinity cookie, and nginx would spread its requests over both).
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class ClusterBenchmark(ClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task A_move_reaches_viewers_on_its_own_instance_and_on_another_through_the_load_balancer()
    {
        await cluster.EnsureInstancesAsync();
        using var http = CrossInstanceBenchmark.Client();
        var cookies = await cluster.CookieHeaderAsync("manager@acme.demo");
        var one = $"{cookies}; kanban_affinity={await cluster.AffinityForAsync(1)}";
        var two = $"{cookies}; kanban_affinity={await cluster.AffinityForAsync(2)}";
        var text = await CrossInstanceBenchmark.MeasureAsync(http, $"http://127.0.0.1:{cluster.InstancePort(1)}",
            () => CircuitClient.OpenAsync(http, cluster.BaseUrl, one, "/board/lead", "data-sequence", CancellationToken.None),
            () => CircuitClient.OpenAsync(http, cluster.BaseUrl, two, "/board/lead", "data-sequence", CancellationToken.None),
            "The local cluster (nginx, two instances, PgBouncer)");
        output.WriteLine(text);
        await BenchResults.WriteAsync("cluster.txt", text);
    }
}

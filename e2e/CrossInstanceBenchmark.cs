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
        var each = int.Parse(Environment.GetEnvironmentVariable("KANBAN_BENCH_CROSS_CIRCUITS") ?? "50", CultureInfo.InvariantCulture);
        var second = await app.SecondInstanceAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var cookies = await app.CookieHeaderAsync("manager@acme.demo");
        var token = await TokenAsync(http, app.BaseUrl);
        var card = (await CardsAsync(http, app.BaseUrl, token, "new")).First();

        var local = new List<CircuitClient>();
        var remote = new List<CircuitClient>();
        try
        {
            for (var i = 0; i < each; i++)
            {
                local.Add(await CircuitClient.OpenAsync(http, app.BaseUrl, cookies, "/board/lead", "data-sequence", CancellationToken.None));
                remote.Add(await CircuitClient.OpenAsync(http, second, cookies, "/board/lead", "data-sequence", CancellationToken.None));
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
                card = await MoveAsync(http, app.BaseUrl, token, card, to);
                var seenHere = await Task.WhenAll(here).WaitAsync(TimeSpan.FromSeconds(60));
                var seenThere = await Task.WhenAll(there).WaitAsync(TimeSpan.FromSeconds(60));
                if (i < Moves) continue;
                sameInstance.AddRange(seenHere.Select(at => Stopwatch.GetElapsedTime(started, at).TotalMilliseconds));
                otherInstance.AddRange(seenThere.Select(at => Stopwatch.GetElapsedTime(started, at).TotalMilliseconds));
            }
            var text = new StringBuilder();
            text.AppendLine(Invariant($"Two instances, {each} circuits watching acme's lead board on each; {Moves} moves through the first instance's API, one at a time (after {Moves} unmeasured):"));
            text.AppendLine(Invariant($"  reference, viewers on the same instance: p50 {Percentile(sameInstance, 0.5):F1} ms, p99 {Percentile(sameInstance, 0.99):F1} ms"));
            text.AppendLine(Invariant($"  viewers on the other instance (relayed by PostgreSQL): p50 {Percentile(otherInstance, 0.5):F1} ms, p99 {Percentile(otherInstance, 0.99):F1} ms"));
            output.WriteLine(text.ToString());
            await BenchResults.WriteAsync("instances.txt", text.ToString());
            Assert.Equal(Moves * each, otherInstance.Count);
        }
        finally
        {
            await Task.WhenAll(local.Concat(remote).Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

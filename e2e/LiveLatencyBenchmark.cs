using System.Globalization;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>
/// Benchmark, not a test (run by ./bench.sh, excluded from ./test.sh): drags cards back and forth in
/// one browser and records when each move appears in a colleague's browser. Prints the figures;
/// asserts only that every move arrived.
/// </summary>
[Collection(AppCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class LiveLatencyBenchmark(AppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task Move_to_other_browser_latency()
    {
        var moves = int.TryParse(Environment.GetEnvironmentVariable("KANBAN_BENCH_MOVES"), out var n) ? n : 40;
        var mover = await app.OpenBoardAsync("admin@acme.demo");
        var colleague = await app.OpenBoardAsync("manager@acme.demo");
        var latencies = new List<double>();

        for (var i = 0; i < moves; i++)
        {
            var (from, to, toKey) = i % 2 == 0 ? ("New", "Contacted", "contacted") : ("Contacted", "New", "new");
            var card = mover.Stage(from).Cards().First;
            var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
            var seen = await LiveLatency.WatchForAsync(colleague, cardId, toKey);
            double droppedAt = 0;
            await mover.DragToTopAsync(card, mover.Stage(to), async () => droppedAt = await LiveLatency.NowAsync(mover));
            latencies.Add(await seen() - droppedAt);
            await Expect(mover.Stage(to).Cards().First).ToHaveAttributeAsync("data-id", cardId);
        }

        latencies.Sort();
        double Percentile(double p) => latencies[(int)Math.Ceiling(p * latencies.Count) - 1];
        var report = string.Create(CultureInfo.InvariantCulture,
            $"move-to-other-browser latency over {latencies.Count} drags (loopback, headless Chromium): " +
            $"p50 {Percentile(0.50):F1} ms, p95 {Percentile(0.95):F1} ms, max {latencies[^1]:F1} ms, mean {latencies.Average():F1} ms");
        output.WriteLine(report);
        await BenchResults.WriteAsync("live-latency.txt", report + Environment.NewLine);
        Assert.Equal(moves, latencies.Count);
    }
}

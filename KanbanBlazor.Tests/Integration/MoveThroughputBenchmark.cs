using System.Diagnostics;
using System.Globalization;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// Benchmark, not a test (./bench.sh runs it, ./test.sh leaves it out): concurrent movers on one
/// board through the real MoveCard use case and PostgreSQL. Prints moves per second and latency
/// percentiles; asserts only that every move committed with its own sequence number.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class MoveThroughputBenchmark(TestDatabase database, ITestOutputHelper output)
{
    [Fact]
    public async Task Concurrent_moves_on_one_board()
    {
        const int movers = 8;
        const int movesPerMover = 100;
        var tenant = await database.CreateTenantAsync(cardsPerStage: 40);
        var stages = new[] { "new", "contacted", "qualified", "proposal", "negotiation" };
        List<Card> cards;
        await using (var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default))
            cards = await db.Cards.AsNoTracking().ToListAsync();
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var moveCard = new MoveCard(new BoardTransaction(database.KanbanFactory(), hub, TimeProvider.System), NullLogger<MoveCard>.Instance);
        var admin = tenant.As(TenantRole.Admin);
        var latencies = new List<double>[movers];

        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, movers).Select(m => Task.Run(async () =>
        {
            latencies[m] = [];
            // Each mover works its own cards, so every move is valid and none is stale.
            var mine = cards.Where((_, i) => i % movers == m).ToList();
            var versions = mine.ToDictionary(c => c.Id, c => c.Version);
            for (var i = 0; i < movesPerMover; i++)
            {
                var card = mine[i % mine.Count];
                var started = Stopwatch.GetTimestamp();
                var result = await moveCard.ExecuteAsync(admin, "lead",
                    new MoveRequest(card.Id, versions[card.Id], stages[(i + m) % stages.Length], i % 5), Guid.NewGuid(), "bench", default);
                latencies[m].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Assert.True(result.Succeeded, result.Decision.Message);
                versions[card.Id] = result.Moved!.Version;
            }
        })));
        total.Stop();

        var all = latencies.SelectMany(l => l).Order().ToList();
        double Percentile(double p) => all[(int)Math.Ceiling(p * all.Count) - 1];
        var report = string.Create(CultureInfo.InvariantCulture,
            $"{all.Count} moves by {movers} concurrent movers on one board: {all.Count / total.Elapsed.TotalSeconds:F0} moves/s, " +
            $"latency p50 {Percentile(0.5):F1} ms, p95 {Percentile(0.95):F1} ms, max {all[^1]:F1} ms");
        output.WriteLine(report);
        var file = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "bench-results", "move-throughput.txt"));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, report + Environment.NewLine);

        await using var check = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
        var sequences = await check.Moves.Select(m => m.Sequence).OrderBy(s => s).ToListAsync();
        Assert.Equal(Enumerable.Range(1, movers * movesPerMover).Select(i => (long)i), sequences);
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace KanbanBlazor.E2E;

/// <summary>
/// Benchmark, not a test (run by ./bench.sh): opening a board in headless Chromium, for acme's
/// 200-card board (the reference), bigco's 10,000-card stage and, when the run seeds it
/// (KANBAN_BENCH_HUGE=100000), hugeco's 100,000 cards: time from navigation to a draggable board
/// (every list has SortableJS attached), the largest render batch the page received over its circuit
/// (the first screen) and all it received until then, and the server heap each open viewer adds.
/// </summary>
[Collection(AppCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class BoardLoadBenchmark(AppFixture app, ITestOutputHelper output)
{
    private const int Loads = 5;

    [Fact]
    public async Task Board_load_by_size()
    {
        var boards = new List<(string Name, string Email)> { ("200 cards (reference)", "admin@acme.demo"), ("10,000 cards in one stage", "admin@bigco.demo") };
        if (AppFixture.HugeTenantCards > 0) boards.Add(($"{AppFixture.HugeTenantCards:N0} cards in a tenant", "admin@hugeco.demo"));
        using var http = new HttpClient();
        var report = new StringBuilder();
        foreach (var (name, email) in boards)
        {
            var times = new List<double>();
            var largest = new List<long>();
            var total = new List<long>();
            var pages = new List<IPage>();
            var before = await BenchResults.HeapAsync(http, app.BaseUrl);
            for (var i = 0; i < Loads; i++)
            {
                var page = await app.NewSignedInPageAsync(email);
                long biggest = 0, received = 0;
                page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
                {
                    var size = frame.Binary?.Length ?? Encoding.UTF8.GetByteCount(frame.Text ?? "");
                    Interlocked.Add(ref received, size);
                    if (size > Interlocked.Read(ref biggest)) Interlocked.Exchange(ref biggest, size);
                };
                await page.GotoAsync("/board/lead");
                var handle = await page.WaitForFunctionAsync("""
                    () => {
                        const lists = [...document.querySelectorAll('.kb-sortable')];
                        return lists.length > 0 && lists.every(l => l.dataset.sortable === 'ready') ? performance.now() : null;
                    }
                    """, null, new() { Timeout = 120_000, PollingInterval = 20 });
                times.Add(await handle.JsonValueAsync<double>());
                largest.Add(Interlocked.Read(ref biggest));
                total.Add(Interlocked.Read(ref received));
                pages.Add(page);
            }
            var after = await BenchResults.HeapAsync(http, app.BaseUrl);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{name}: navigation to draggable median {Median(times):F0} ms (min {times.Min():F0}, max {times.Max():F0}); first screen {Median(largest) / 1024:F0} KB, {Median(total) / 1024:F0} KB received over the circuit by then; server heap {(after - before) / Loads / 1024.0:F0} KB per open viewer");
            output.WriteLine(line);
            report.AppendLine(line);
            foreach (var page in pages) await page.Context.CloseAsync();
        }
        await BenchResults.WriteAsync("board-load.txt", report.ToString());
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static double Median(List<long> values) => values.Order().ElementAt(values.Count / 2);

}

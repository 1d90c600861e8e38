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
/// (every list has SortableJS attached), and for the reference also from pressing Sign in, the largest render batch the page received over its circuit
/// (the first screen) and all it received until then, and the server heap each open viewer adds.
/// </summary>
[Collection(AppCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class BoardLoadBenchmark(AppFixture app, ITestOutputHelper output)
{
    private const int Loads = 5;
    private const int WarmUpLoads = 3;

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
            var shown = new List<double>();
            var loaded = new List<double>();
            var answered = new List<double>();
            // Warm-up, unmeasured: the first loads of a fresh process compile what a board's circuit runs.
            for (var i = 0; i < WarmUpLoads; i++)
            {
                var warming = await app.NewSignedInPageAsync(email);
                await warming.GotoAsync("/board/lead");
                await warming.WaitForFunctionAsync("() => [...document.querySelectorAll('.kb-sortable')].some(l => l.dataset.sortable === 'ready')", null, new() { Timeout = 120_000 });
                await warming.Context.CloseAsync();
            }
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
                await page.GotoAsync("/board/lead", new() { WaitUntil = WaitUntilState.Commit });
                // When the server had answered, the page's scripts had run, and the board's cards showed.
                loaded.Add(await (await page.WaitForFunctionAsync("() => performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd || null",
                    null, new() { Timeout = 120_000, PollingInterval = 20 })).JsonValueAsync<double>());
                answered.Add(await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].responseEnd"));
                shown.Add(await (await page.WaitForFunctionAsync("() => document.querySelector('.kb-sortable__item') ? performance.now() : null",
                    null, new() { Timeout = 120_000, PollingInterval = 20 })).JsonValueAsync<double>());
                var handle = await page.WaitForFunctionAsync(Draggable, null, new() { Timeout = 120_000, PollingInterval = 20 });
                times.Add(await handle.JsonValueAsync<double>());
                largest.Add(Interlocked.Read(ref biggest));
                total.Add(Interlocked.Read(ref received));
                pages.Add(page);
            }
            var after = await BenchResults.HeapAsync(http, app.BaseUrl);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{name}: navigation to draggable median {Median(times):F0} ms (min {times.Min():F0}, max {times.Max():F0}; page answered at {Median(answered):F0} ms, loaded at {Median(loaded):F0} ms, cards shown at {Median(shown):F0} ms); first screen {Median(largest) / 1024:F0} KB, {Median(total) / 1024:F0} KB received over the circuit by then; server heap {(after - before) / Loads / 1024.0:F0} KB per open viewer");
            output.WriteLine(line);
            report.AppendLine(line);
            foreach (var page in pages) await page.Context.CloseAsync();
        }
        var signIn = await SignInToDraggableAsync("admin@acme.demo");
        var signInLine = string.Create(CultureInfo.InvariantCulture,
            $"200 cards (reference), from pressing Sign in to a draggable board: median {Median(signIn):F0} ms (min {signIn.Min():F0}, max {signIn.Max():F0})");
        output.WriteLine(signInLine);
        report.AppendLine(signInLine);
        await BenchResults.WriteAsync("board-load.txt", report.ToString());
    }

    /// <summary>As a person signs in: the sign-in page open and the form filled, then timed from the press of
    /// Sign in (the post, the redirect to the board, its page and circuit) until every list can be dragged.
    /// A fresh browser each time, after unmeasured warm-up sign-ins.</summary>
    private async Task<List<double>> SignInToDraggableAsync(string email)
    {
        var times = new List<double>();
        for (var i = 0; i < WarmUpLoads + Loads; i++)
        {
            var page = await app.NewAnonymousPageAsync();
            await page.GotoAsync("/account/login");
            await page.GetByLabel("Email").FillAsync(email);
            await page.GetByLabel("Password").FillAsync(AppFixture.Password);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.WaitForFunctionAsync(Draggable, null, new() { Timeout = 120_000, PollingInterval = 20 });
            if (i >= WarmUpLoads) times.Add(clock.Elapsed.TotalMilliseconds);
            await page.Context.CloseAsync();
        }
        return times;
    }

    private const string Draggable = """
        () => {
            const lists = [...document.querySelectorAll('.kb-sortable')];
            return lists.length > 0 && lists.every(l => l.dataset.sortable === 'ready') ? performance.now() : null;
        }
        """;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static double Median(List<long> values) => values.Order().ElementAt(values.Count / 2);

}

using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Playwright;
using Npgsql;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>
/// The local cluster (scripts/cluster.sh: nginx with sticky sessions, two app instances, PgBouncer in
/// transaction mode, PostgreSQL), with browsers pinned to either instance through the load balancer:
/// colleagues on different instances see each other; PostgreSQL restarting under moves loses no
/// committed move, tells the mover whose move was in flight, and leaves every open board exact within
/// 5 seconds of its return; an instance killed sends its users to the other, where the board is current.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ClusterFixture cluster, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.EnsureInstancesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Through_the_load_balancer_colleagues_on_two_instances_see_each_others_moves_and_globex_sees_nothing_of_acme()
    {
        var onOne = await cluster.OpenBoardAsync("admin@acme.demo", 1);
        var onTwo = await cluster.OpenBoardAsync("manager@acme.demo", 2);
        var globexOnOne = await cluster.OpenBoardAsync("admin@globex.demo", 1);
        var globexOnTwo = await cluster.OpenBoardAsync("manager@globex.demo", 2);
        await SeveralInstancesTests.SeeEachOthersMovesAsync(onOne, onTwo, globexOnOne, globexOnTwo, ScalarAsync);
        // Each stayed on its instance throughout (sticky sessions).
        var servedBy = new List<int>();
        foreach (var page in new[] { onOne, onTwo, globexOnOne, globexOnTwo }) servedBy.Add(await cluster.ServedByAsync(page));
        Assert.Equal([1, 2, 1, 2], servedBy);
    }

    /// <summary>One stage as the page shows it: how many cards it says it has, and the ids of those it
    /// renders (a window of them, from the place <see cref="Start"/>), top to bottom.</summary>
    public sealed class ShownStage
    {
        public int Start { get; set; }
        public int Count { get; set; }
        public string[] Ids { get; set; } = [];
    }

    /// <summary>The acme lead board as the page shows it, stage by stage.</summary>
    private static Task<Dictionary<string, ShownStage>> ShownAsync(IPage page) =>
        page.EvaluateAsync<Dictionary<string, ShownStage>>("""
            () => Object.fromEntries([...document.querySelectorAll('[data-list-id]')]
                .map(list => [list.dataset.listId, {
                    start: Number(list.dataset.start) || 0,
                    count: Number(list.dataset.count) || 0,
                    ids: [...list.querySelectorAll('[data-id]')].map(card => card.dataset.id),
                }]))
            """);

    /// <summary>The acme lead board as PostgreSQL holds it.</summary>
    private async Task<Dictionary<string, string[]>> StoredAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT c.stage, c.id FROM cards c JOIN tenants t ON t.id = c.tenant_id
            WHERE t.slug = 'acme' AND c.entity_type = 'lead' ORDER BY c.stage, c.position
            """, connection);
        var stored = new Dictionary<string, List<string>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var stage = reader.GetString(0);
            if (!stored.TryGetValue(stage, out var cards)) stored[stage] = cards = [];
            cards.Add(reader.GetGuid(1).ToString());
        }
        return stored.ToDictionary(s => s.Key, s => s.Value.ToArray());
    }

    /// <summary>Every stage says it has as many cards as PostgreSQL holds, and the cards it renders are
    /// PostgreSQL's, in its order, from the place the rendered window starts.</summary>
    private static bool Same(Dictionary<string, ShownStage> shown, Dictionary<string, string[]> stored) =>
        stored.All(s => shown.TryGetValue(s.Key, out var stage) && stage.Count == s.Value.Length && stage.Ids.Length > 0
            && stage.Ids.SequenceEqual(s.Value.Skip(stage.Start).Take(stage.Ids.Length)))
        && shown.All(s => s.Value.Count == 0 || stored.ContainsKey(s.Key));

    [Fact]
    public async Task When_PostgreSQL_restarts_under_moves_no_committed_move_is_lost_a_move_in_flight_says_so_and_every_board_is_exact_within_5_seconds()
    {
        var onOne = await cluster.OpenBoardAsync("admin@acme.demo", 1);
        var onTwo = await cluster.OpenBoardAsync("manager@acme.demo", 2);

        // A colleague moves two cards back and forth through the API, as fast as it answers, before,
        // during and after the restart. Every move it was told was saved is kept.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var token = await CircuitLoadBenchmark.TokenAsync(http, cluster.BaseUrl);
        var movers = (await CircuitLoadBenchmark.CardsAsync(http, cluster.BaseUrl, token, "negotiation")).Take(2).ToArray();
        var saved = new ConcurrentQueue<CircuitLoadBenchmark.Card>();
        var refused = 0;
        var refusals = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var moving = Task.WhenAll(movers.Select(card => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    card = await CircuitLoadBenchmark.MoveAsync(http, cluster.BaseUrl, token, card, card.Stage == "negotiation" ? "proposal" : "negotiation");
                    saved.Enqueue(card);
                }
                catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException)
                {
                    refusals.Enqueue(ex.Message);
                    // Not saved (or not known to be): wait, then learn where the card is now, when the board can be read again.
                    Interlocked.Increment(ref refused);
                    await Task.Delay(250);
                    try
                    {
                        var id = card.Id;
                        card = (await CircuitLoadBenchmark.CardsAsync(http, cluster.BaseUrl, token, "negotiation"))
                            .Concat(await CircuitLoadBenchmark.CardsAsync(http, cluster.BaseUrl, token, "proposal")).Single(c => c.Id == id);
                    }
                    catch (Exception again) when (again is InvalidOperationException or HttpRequestException or TaskCanceledException)
                    {
                    }
                }
                await Task.Delay(50);
            }
        })));
        await WaitUntilAsync(() => saved.Count >= 6, TimeSpan.FromSeconds(20), "moves are saved before the restart");

        await cluster.StopDatabaseAsync();
        string dragged;
        try
        {
            // A drag while PostgreSQL is down: the mover is told it was not saved, and the card is back where it was.
            var card = onOne.Stage("Qualified").Cards().First;
            dragged = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
            await onOne.DragToTopAsync(card, onOne.Stage("Contacted"));
            await Expect(onOne.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The move could not be saved" }).Filter(new() { HasText = "try again" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
            await Expect(onOne.Stage("Qualified").Locator($"[data-id='{dragged}']")).ToHaveCountAsync(1);
            await Expect(onOne.Stage("Contacted").Locator($"[data-id='{dragged}']")).ToHaveCountAsync(0);
        }
        finally
        {
            await cluster.StartDatabaseAsync();
        }
        var back = Stopwatch.StartNew();
        // The colleague's moves are saved again (the first of them while the instances' listeners are still
        // reconnecting); then the colleague stops, and every open board must show exactly what PostgreSQL
        // holds, within 5 seconds of its return.
        var savedBefore = saved.Count;
        await WaitUntilAsync(() => saved.Count >= savedBefore + 2, TimeSpan.FromSeconds(5), "the colleague's moves are saved again");
        await stop.CancelAsync();
        await moving;
        foreach (var page in new[] { onOne, onTwo })
        {
            while (!Same(await ShownAsync(page), await StoredAsync()) && back.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(100);
            Assert.True(Same(await ShownAsync(page), await StoredAsync()), $"the board on instance {await cluster.ServedByAsync(page)} is not what PostgreSQL holds");
        }
        var exact = back.Elapsed;
        foreach (var refusal in refusals.Distinct()) output.WriteLine("refused: " + refusal);
        // A move refused by the API says why (never a bare 500): the database is out of reach (503), or, after a
        // move whose answer was lost with the connection but which did commit, the card is not where the
        // mover last knew it (409, naming who moved it where).
        Assert.All(refusals, r => Assert.True(
            r.Contains("(503)", StringComparison.Ordinal) && r.Contains("DATABASE_UNAVAILABLE", StringComparison.Ordinal)
            || r.Contains("(409)", StringComparison.Ordinal) && r.Contains("STALE_VERSION", StringComparison.Ordinal), r));
        output.WriteLine($"moves saved {saved.Count}, refused {Volatile.Read(ref refused)}; boards exact {exact.TotalSeconds:0.00} s after PostgreSQL returned");
        Assert.True(exact < TimeSpan.FromSeconds(5), $"the boards were exact {exact.TotalSeconds:0.0} s after PostgreSQL returned");
        Assert.True(saved.Count >= 6);

        // No move the API said was saved is missing from the log.
        await using var connection = new NpgsqlConnection(cluster.DatabaseConnectionString);
        await connection.OpenAsync();
        foreach (var move in saved)
        {
            await using var find = new NpgsqlCommand("""
                SELECT count(*) FROM kanban_moves WHERE entity_id = @card AND to_stage = @stage AND (metadata->>'card_version')::int = @version
                """, connection);
            find.Parameters.AddWithValue("card", move.Id);
            find.Parameters.AddWithValue("stage", move.Stage);
            find.Parameters.AddWithValue("version", move.Version);
            Assert.Equal(1L, (long)(await find.ExecuteScalarAsync())!);
        }
        // And the drag that was refused is not in it.
        await using (var find = new NpgsqlCommand("SELECT count(*) FROM kanban_moves WHERE entity_id = @card AND to_stage = 'contacted' AND created_at > now() - interval '2 minutes'", connection))
        {
            find.Parameters.AddWithValue("card", Guid.Parse(dragged));
            Assert.Equal(0L, (long)(await find.ExecuteScalarAsync())!);
        }

        // And live changes flow between the instances again: the drag that failed, now made on instance two.
        var sequence = await onTwo.SequenceAsync();
        await onTwo.DragToTopAsync(onTwo.CardById(dragged), onTwo.Stage("Contacted"));
        await onTwo.ExpectSavedAfterAsync(sequence);
        await Expect(onOne.Stage("Contacted").Locator($"[data-id='{dragged}']")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task When_an_instance_is_killed_its_users_reconnect_through_the_load_balancer_to_the_other_and_see_the_current_board()
    {
        var survivor = await cluster.OpenBoardAsync("admin@acme.demo", 1);
        var moved = await cluster.OpenBoardAsync("manager@acme.demo", 2);
        await moved.EvaluateAsync("() => window.kbBeforeCrash = true");

        await cluster.KillInstanceAsync(2);
        // The colleague on instance one keeps working.
        var card = survivor.Stage("New").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        var sequence = await survivor.SequenceAsync();
        await survivor.DragToTopAsync(card, survivor.Stage("Qualified"));
        await survivor.ExpectSavedAfterAsync(sequence);

        // The user of the killed instance is back, on instance one, with that move on their board.
        await Expect(moved.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await moved.WaitUntilDraggableAsync();
        Assert.Equal(1, await cluster.ServedByAsync(moved));
        Assert.False(await moved.EvaluateAsync<bool>("() => window.kbBeforeCrash === true"), "the page was not loaded again from the other instance");

        // And works there: their drag reaches the colleague.
        var theirs = moved.Stage("Contacted").Cards().First;
        var theirsId = await theirs.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        await moved.DragToTopAsync(theirs, moved.Stage("Proposal"));
        await Expect(survivor.Stage("Proposal").Cards().First).ToHaveAttributeAsync("data-id", theirsId);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan patience, string what)
    {
        var until = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Timed out waiting until {what}");
            await Task.Delay(50);
        }
    }
}

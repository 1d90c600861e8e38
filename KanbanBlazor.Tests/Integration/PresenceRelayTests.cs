using System.Collections.Concurrent;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.E2E;
using KanbanBlazor.Web.Features.Board;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// Presence across two app instances on one database, each with its own hub and presence relay (as two
/// processes would have): who views a board and who edits a card on one instance shows on the other;
/// an instance that starts late hears who is already there at once; one that stops says goodbye; and one
/// that goes silent (its line cut, as when it is killed) drops out of the others' boards when its share
/// expires, and comes back when it is heard again.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PresenceRelayTests(TestDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly List<PresenceRelay> relays = [];
    private readonly Guid tenant = Guid.NewGuid();

    private async Task<(BoardHub Hub, PresenceRelay Relay)> StartInstanceAsync(TimeSpan heartbeat, TimeSpan expiry, string? connectTo = null)
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var relay = new PresenceRelay(connectTo ?? database.AppConnectionString, hub, TimeProvider.System, NullLogger<PresenceRelay>.Instance)
        {
            Heartbeat = heartbeat,
            Expiry = expiry,
        };
        await relay.StartAsync(default);
        relays.Add(relay);
        await WaitUntilAsync(() => relay.Listening, "the relay listens");
        return (hub, relay);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var relay in relays) await relay.StopAsync(default);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    private sealed class Listener
    {
        public readonly ConcurrentQueue<BoardPresence> Heard = new();
        public BoardPresence Latest => Heard.OrderBy(p => p.Version).LastOrDefault() ?? BoardPresence.None;
        public IReadOnlyList<string> Names => Latest.Viewing.Select(v => v.Name).ToList();
    }

    private IDisposable Open(BoardHub hub, Guid userId, string name, Listener listener, Guid? inTenant = null) =>
        hub.Subscribe(inTenant ?? tenant, EntityTypes.Lead, new BoardViewer(Guid.NewGuid(), userId, _ => Task.CompletedTask)
        {
            UserName = name,
            OnPresence = presence =>
            {
                listener.Heard.Enqueue(presence);
                return Task.CompletedTask;
            },
        });

    [Fact]
    public async Task Who_views_and_edits_on_one_instance_shows_on_the_other_and_a_late_starter_hears_it_at_once()
    {
        // Heartbeats far apart: only announcements of changes, and the answer to a newcomer's question, can explain what is heard.
        var one = await StartInstanceAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
        var anaHears = new Listener();
        using var ana = Open(one.Hub, Guid.NewGuid(), "Ana", anaHears);
        var globexHears = new Listener();
        using var stranger = Open(one.Hub, Guid.NewGuid(), "Stranger", globexHears, Guid.NewGuid());

        var two = await StartInstanceAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
        var benHears = new Listener();
        var ben = Guid.NewGuid();
        using var benBoard = Open(two.Hub, ben, "Ben", benHears);
        await WaitUntilAsync(() => benHears.Names.SequenceEqual(["Ana", "Ben"]), "Ben, who came later on instance two, sees Ana");
        await WaitUntilAsync(() => anaHears.Names.SequenceEqual(["Ana", "Ben"]), "Ana, on instance one, sees Ben");

        var card = Guid.NewGuid();
        two.Hub.Editing(tenant, EntityTypes.Lead, card, ben, "Ben");
        await WaitUntilAsync(() => anaHears.Latest.Editing.GetValueOrDefault(card) == "Ben", "Ana sees that Ben edits the card");
        two.Hub.Editing(tenant, EntityTypes.Lead, card, ben, null);
        await WaitUntilAsync(() => anaHears.Latest.Editing.Count == 0, "Ana sees that Ben stopped editing");

        benBoard.Dispose();
        await WaitUntilAsync(() => anaHears.Names.SequenceEqual(["Ana"]), "Ana sees Ben leave");
        // The other tenant's viewer on instance one heard only itself all along.
        Assert.All(globexHears.Heard, p => Assert.Equal(["Stranger"], p.Viewing.Select(v => v.Name)));
        Assert.NotEmpty(globexHears.Heard);
    }

    [Fact]
    public async Task An_instance_gone_silent_drops_out_when_its_share_expires_and_one_that_stops_says_goodbye()
    {
        var expiry = TimeSpan.FromSeconds(2);
        var one = await StartInstanceAsync(TimeSpan.FromMilliseconds(300), expiry);
        // Instance two reaches the database through a line the test can cut, as if it were killed.
        var port = new NpgsqlConnectionStringBuilder(database.AppConnectionString).Port;
        await using var line = new TcpRelay(port);
        var two = await StartInstanceAsync(TimeSpan.FromMilliseconds(300), expiry,
            new NpgsqlConnectionStringBuilder(database.AppConnectionString) { Host = "127.0.0.1", Port = line.Port, Pooling = false }.ConnectionString);
        var anaHears = new Listener();
        using var ana = Open(one.Hub, Guid.NewGuid(), "Ana", anaHears);
        using var ben = Open(two.Hub, Guid.NewGuid(), "Ben", new Listener());
        await WaitUntilAsync(() => anaHears.Names.SequenceEqual(["Ana", "Ben"]), "Ana sees Ben");

        line.Cut();
        var cut = DateTime.UtcNow;
        await WaitUntilAsync(() => anaHears.Names.SequenceEqual(["Ana"]), "Ben drops out when instance two goes silent");
        // Not at once (no goodbye was said), but after the expiry without a heartbeat.
        Assert.InRange(DateTime.UtcNow - cut, expiry - TimeSpan.FromMilliseconds(400), Patience);

        line.Restore();
        await WaitUntilAsync(() => anaHears.Names.SequenceEqual(["Ana", "Ben"]), "Ben is back when instance two is heard again");

        // Two more instances with long expiries: when one of them stops, its people leave the other's board
        // at once, which only its goodbye can explain.
        var three = await StartInstanceAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
        var four = await StartInstanceAsync(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
        using var cleo = Open(three.Hub, Guid.NewGuid(), "Cleo", new Listener());
        var danHears = new Listener();
        using var dan = Open(four.Hub, Guid.NewGuid(), "Dan", danHears);
        await WaitUntilAsync(() => danHears.Names.Contains("Cleo"), "Dan sees Cleo");
        await three.Relay.StopAsync(default);
        relays.Remove(three.Relay);
        await WaitUntilAsync(() => !danHears.Names.Contains("Cleo"), "Cleo leaves Dan's board when instance three says goodbye");
        Assert.Contains("Ana", danHears.Names);
    }
}

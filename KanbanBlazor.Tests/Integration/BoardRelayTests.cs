using System.Collections.Concurrent;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.E2E;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// Two app instances on one database, each with its own hub, board writer and relay (as two processes
/// would have): a move committed on one reaches the other's viewers through PostgreSQL, read from the
/// log by sequence; an instance does not hear its own commits twice; another tenant hears nothing; and a
/// relay that lost its connection, then came back, makes its viewers catch up on what was committed meanwhile.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class BoardRelayTests(TestDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly List<Instance> instances = [];

    private sealed record Instance(BoardHub Hub, BoardRelay Relay, MoveCard Move);

    private async Task<Instance> StartInstanceAsync(string? listenTo = null)
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var relay = new BoardRelay(listenTo ?? database.AppConnectionString, database.KanbanFactory(), hub, NullLogger<BoardRelay>.Instance);
        var move = new MoveCard(new BoardTransaction(database.WriterFactory(), hub, TimeProvider.System, relay: relay), NullLogger<MoveCard>.Instance);
        await relay.StartAsync(default);
        await WaitUntilAsync(() => relay.Listening, "the relay listens");
        var instance = new Instance(hub, relay, move);
        instances.Add(instance);
        return instance;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in instances) await instance.Relay.StopAsync(default);
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

    /// <summary>A viewer that records every change it hears, by sequence.</summary>
    private sealed class Listener
    {
        public ConcurrentQueue<BoardChange> Heard { get; } = new();

        public BoardViewer Viewer(Func<Task>? onResync = null) =>
            new(Guid.NewGuid(), Guid.NewGuid(), change =>
            {
                Heard.Enqueue(change);
                return Task.CompletedTask;
            }) { OnResync = onResync };

        public IReadOnlyList<long> Sequences => Heard.Select(c => c.Sequence).ToList();
    }

    private async Task<(Guid Id, int Version)> CardInAsync(Guid tenantId, string stage, int skip = 0)
    {
        await using var db = await database.OwnerContextAsync(tenantId);
        var card = await db.Cards.AsNoTracking().Where(c => c.EntityType == "lead" && c.Stage == stage).OrderBy(c => c.Position).Skip(skip).FirstAsync();
        return (card.Id, card.Version);
    }

    private static async Task<long> MoveAsync(Instance on, CurrentTenant who, (Guid Id, int Version) card, string to)
    {
        var result = await on.Move.ExecuteAsync(who, "lead", new MoveRequest(card.Id, card.Version, to, 0), Guid.NewGuid(), "test", default);
        Assert.True(result.Succeeded, result.Decision.Message);
        return Assert.Single(result.Events).Sequence;
    }

    [Fact]
    public async Task A_move_on_one_instance_reaches_the_other_instances_viewers_once_and_no_other_tenants()
    {
        var acme = await database.CreateTenantAsync(cardsPerStage: 3);
        var globex = await database.CreateTenantAsync(cardsPerStage: 3);
        var one = await StartInstanceAsync();
        var two = await StartInstanceAsync();
        var onOne = new Listener();
        var onTwo = new Listener();
        var globexOnTwo = new Listener();
        using var a = one.Hub.Subscribe(acme.Id, "lead", onOne.Viewer());
        using var b = two.Hub.Subscribe(acme.Id, "lead", onTwo.Viewer());
        using var c = two.Hub.Subscribe(globex.Id, "lead", globexOnTwo.Viewer());
        var manager = acme.As(TenantRole.Manager);

        var card = await CardInAsync(acme.Id, "new");
        var first = await MoveAsync(one, manager, card, "qualified");
        await WaitUntilAsync(() => onTwo.Heard.Count >= 1, "the other instance's viewer hears the move");
        var relayed = Assert.IsType<CardMoved>(Assert.Single(onTwo.Heard).Event);
        Assert.Equal((first, card.Id, "new", "qualified", card.Version + 1), (onTwo.Heard.Single().Sequence, relayed.CardId, relayed.FromStage, relayed.ToStage, relayed.Version));
        Assert.Equal(manager.UserId, relayed.ActorId);

        // A sentinel the other way: once instance one's viewer has heard it, a second copy of the first
        // move (instance one relaying its own commit) would have come before it.
        var second = await MoveAsync(two, manager, await CardInAsync(acme.Id, "new"), "contacted");
        await WaitUntilAsync(() => onOne.Heard.Count >= 2, "instance one's viewer hears instance two's move");
        Assert.Equal([first, second], onOne.Sequences);
        // And globex, on the instance that heard both: its own move arrives, acme's never did.
        var theirs = await MoveAsync(one, globex.As(TenantRole.Manager), await CardInAsync(globex.Id, "new"), "qualified");
        await WaitUntilAsync(() => globexOnTwo.Heard.Count >= 1, "globex's viewer hears globex's move");
        Assert.Equal([theirs], globexOnTwo.Sequences);
        Assert.All(globexOnTwo.Heard, h => Assert.Equal(globex.Id, h.TenantId));
        Assert.Equal([first, second], onTwo.Sequences);
        // Each instance relayed only the other's commits on boards it has viewers of: two relayed acme's first and globex's, one relayed acme's second.
        Assert.Equal((2, 1), (two.Relay.Counts.Relayed, one.Relay.Counts.Relayed));
    }

    [Fact]
    public async Task A_relay_that_lost_its_connection_makes_its_viewers_catch_up_from_the_log()
    {
        var acme = await database.CreateTenantAsync(cardsPerStage: 3);
        var manager = acme.As(TenantRole.Manager);
        var one = await StartInstanceAsync();
        // Instance two listens through a line the test can cut.
        var port = new NpgsqlConnectionStringBuilder(database.AppConnectionString).Port;
        await using var line = new TcpRelay(port);
        var two = await StartInstanceAsync(new NpgsqlConnectionStringBuilder(database.AppConnectionString) { Host = "127.0.0.1", Port = line.Port }.ConnectionString);

        // The viewer on instance two knows the board up to the current sequence; on a resync it reads the log after what it has.
        var log = new BoardLog(database.KanbanFactory());
        var known = (await log.SinceAsync(manager, "lead", 0, default))!.LastOrDefault()?.Sequence ?? 0;
        var caughtUp = new ConcurrentQueue<long>();
        var viewer = new Listener();
        var resyncs = 0;
        using var subscription = two.Hub.Subscribe(acme.Id, "lead", viewer.Viewer(async () =>
        {
            Interlocked.Increment(ref resyncs);
            var after = Math.Max(known, caughtUp.Concat(viewer.Sequences).DefaultIfEmpty(0).Max());
            foreach (var missed in (await log.SinceAsync(manager, "lead", after, default))!) caughtUp.Enqueue(missed.Sequence);
        }));

        var live = await MoveAsync(one, manager, await CardInAsync(acme.Id, "new"), "qualified");
        await WaitUntilAsync(() => viewer.Heard.Count == 1, "the viewer hears a move while the line is up");

        line.Cut();
        await WaitUntilAsync(() => !two.Relay.Listening, "instance two's relay notices the cut");
        var missedOne = await MoveAsync(one, manager, await CardInAsync(acme.Id, "new"), "contacted");
        var missedTwo = await MoveAsync(one, manager, await CardInAsync(acme.Id, "contacted", skip: 1), "proposal");
        await Task.Delay(300);
        Assert.Equal([live], viewer.Sequences); // nothing reached instance two while its line was down
        Assert.Equal(0, Volatile.Read(ref resyncs));

        line.Restore();
        await WaitUntilAsync(() => caughtUp.Count >= 2, "the viewer catches up from the log");
        Assert.Equal([missedOne, missedTwo], caughtUp);
        Assert.Equal(1, Volatile.Read(ref resyncs));
        Assert.Equal(1, two.Relay.Counts.Reconnects);
        // And live delivery is back.
        var after = await MoveAsync(one, manager, await CardInAsync(acme.Id, "new"), "qualified");
        await WaitUntilAsync(() => viewer.Heard.Count == 2, "the viewer hears live moves again");
        Assert.Equal([live, after], viewer.Sequences);
    }
}

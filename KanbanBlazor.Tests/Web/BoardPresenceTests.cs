using System.Collections.Concurrent;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Features.Board;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Web;

/// <summary>Who views a board and who edits which card, as the hub tells the viewers of that board.</summary>
public sealed class BoardPresenceTests
{
    private static readonly Guid Tenant = Guid.NewGuid();

    private sealed class Listener
    {
        public readonly ConcurrentQueue<BoardPresence> Heard = new();
        public BoardPresence Latest => Heard.OrderBy(p => p.Version).LastOrDefault() ?? BoardPresence.None;

        public async Task<BoardPresence> WaitForAsync(Func<BoardPresence, bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!condition(Latest) && DateTime.UtcNow < deadline) await Task.Delay(10);
            Assert.True(condition(Latest), $"never heard it; last: {string.Join(", ", Latest.Viewing.Select(v => v.Name))}");
            return Latest;
        }
    }

    private static IDisposable Open(BoardHub hub, Guid userId, string name, Listener listener, Guid? tenant = null) =>
        hub.Subscribe(tenant ?? Tenant, EntityTypes.Lead, new BoardViewer(Guid.NewGuid(), userId, _ => Task.CompletedTask)
        {
            UserName = name,
            OnPresence = presence =>
            {
                listener.Heard.Enqueue(presence);
                return Task.CompletedTask;
            },
        });

    [Fact]
    public async Task Viewers_hear_who_comes_and_goes_once_per_person_and_who_edits_which_card()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var (ana, ben, cleo) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var anaHears = new Listener();
        using var anaBoard = Open(hub, ana, "Ana", anaHears);
        using var benBoard = Open(hub, ben, "Ben", new Listener());

        var both = await anaHears.WaitForAsync(p => p.Viewing.Count == 2);
        Assert.Equal(["Ana", "Ben"], both.Viewing.Select(v => v.Name));

        // Ben's second tab changes who is there for nobody; Cleo's arrival does (the sentinel).
        var before = anaHears.Heard.Count;
        using (Open(hub, ben, "Ben", new Listener()))
        {
            using var cleoBoard = Open(hub, cleo, "Cleo", new Listener());
            await anaHears.WaitForAsync(p => p.Viewing.Count == 3);
            Assert.Equal(before + 1, anaHears.Heard.Count);
        }
        await anaHears.WaitForAsync(p => p.Viewing.Count == 2);

        var card = Guid.NewGuid();
        hub.Editing(Tenant, EntityTypes.Lead, card, ben, "Ben");
        Assert.Equal("Ben", (await anaHears.WaitForAsync(p => p.Editing.ContainsKey(card))).Editing[card]);
        // Only the editor ends their own editing.
        hub.Editing(Tenant, EntityTypes.Lead, card, ana, null);
        hub.Editing(Tenant, EntityTypes.Lead, card, ben, null);
        await anaHears.WaitForAsync(p => p.Editing.Count == 0);

        benBoard.Dispose();
        Assert.Equal(["Ana"], (await anaHears.WaitForAsync(p => p.Viewing.Count == 1)).Viewing.Select(v => v.Name));
    }

    [Fact]
    public async Task Another_tenants_board_hears_nothing_of_who_is_here()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var elsewhere = new Listener();
        using var stranger = Open(hub, Guid.NewGuid(), "Stranger", elsewhere, tenant: Guid.NewGuid());
        var here = new Listener();
        using var ana = Open(hub, Guid.NewGuid(), "Ana", here);
        using var ben = Open(hub, Guid.NewGuid(), "Ben", new Listener());
        hub.Editing(Tenant, EntityTypes.Lead, Guid.NewGuid(), Guid.NewGuid(), "Ben");

        // The sentinel: this board heard Ben and his editing; only then, the other tenant heard only itself.
        await here.WaitForAsync(p => p.Viewing.Count == 2 && p.Editing.Count == 1);
        Assert.All(elsewhere.Heard, p => Assert.Equal(["Stranger"], p.Viewing.Select(v => v.Name)));
        Assert.All(elsewhere.Heard, p => Assert.Empty(p.Editing));
    }
    [Fact]
    public async Task Other_instances_viewers_and_editors_join_this_boards_presence_once_each_until_they_expire_or_say_goodbye()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var announced = new ConcurrentQueue<PresencePiece>();
        hub.LocalPresenceChanged += (room, piece) => { if (room == (Tenant, EntityTypes.Lead)) announced.Enqueue(piece); };
        var (ana, ben, cleo) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var anaHears = new Listener();
        using var anaBoard = Open(hub, ana, "Ana", anaHears);
        // This instance's share was announced: Ana, no edits.
        Assert.Equal([(ana, "Ana")], Assert.Single(announced).Viewing);

        var (two, three) = (Guid.NewGuid(), Guid.NewGuid());
        var now = DateTimeOffset.UtcNow;
        var card = Guid.NewGuid();
        hub.RemotePresence(two, (Tenant, EntityTypes.Lead), new PresencePiece([(ben, "Ben"), (ana, "Ana")], [(card, ben, "Ben")]), now.AddSeconds(30));
        hub.RemotePresence(three, (Tenant, EntityTypes.Lead), new PresencePiece([(cleo, "Cleo")], []), now.AddSeconds(10));
        var all = await anaHears.WaitForAsync(p => p.Viewing.Count == 3);
        // Ana in a tab on instance two too is still one Ana; Ben's editing shows here.
        Assert.Equal(["Ana", "Ben", "Cleo"], all.Viewing.Select(v => v.Name));
        Assert.Equal("Ben", all.Editing[card]);
        // Other instances' people are not this instance's share: nothing more announced.
        Assert.Single(announced);

        // Instance three goes silent: at its expiry Cleo leaves; instance two is still believed.
        hub.ExpirePresence(now.AddSeconds(9));
        Assert.Equal(3, anaHears.Latest.Viewing.Count);
        hub.ExpirePresence(now.AddSeconds(10));
        Assert.Equal(["Ana", "Ben"], (await anaHears.WaitForAsync(p => p.Viewing.Count == 2)).Viewing.Select(v => v.Name));
        // Instance two says goodbye long before its expiry: Ben and his editing go at once.
        hub.ExpirePresence(now, two);
        var alone = await anaHears.WaitForAsync(p => p.Viewing.Count == 1);
        Assert.Equal(["Ana"], alone.Viewing.Select(v => v.Name));
        Assert.Empty(alone.Editing);

        // Another tenant's announcement of the same board name never reaches this one.
        hub.RemotePresence(two, (Guid.NewGuid(), EntityTypes.Lead), new PresencePiece([(cleo, "Stranger")], []), now.AddSeconds(30));
        hub.RemotePresence(two, (Tenant, EntityTypes.Lead), new PresencePiece([(ben, "Ben")], []), now.AddSeconds(30));
        Assert.DoesNotContain("Stranger", (await anaHears.WaitForAsync(p => p.Viewing.Count == 2)).Viewing.Select(v => v.Name));
        Assert.All(anaHears.Heard, p => Assert.DoesNotContain("Stranger", p.Viewing.Select(v => v.Name)));
    }

    [Fact]
    public void Announcements_stay_under_postgresqls_limit_and_read_back_as_they_were_said()
    {
        var relay = new PresenceRelay("Host=unused", new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System, NullLogger<PresenceRelay>.Instance);
        var rooms = Enumerable.Range(0, 60).Select(i => ((Guid.NewGuid(), EntityTypes.Lead), new PresencePiece(
            Enumerable.Range(0, i == 7 ? 400 : 3).Select(j => (Guid.NewGuid(), $"Person {j} de Albuquerque e Souza")).ToList(),
            [(Guid.NewGuid(), Guid.NewGuid(), "Ana")]))).ToList();

        var messages = relay.Messages(rooms).ToList();
        Assert.True(messages.Count > 1);
        Assert.All(messages, m => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(m), 1, PresenceRelay.MaxPayload));
        var heard = messages.Select(m => PresenceRelay.Parse(m)!).ToList();
        Assert.All(heard, h => Assert.Equal((relay.InstanceId, "p"), (h.Instance, h.Kind)));
        var back = heard.SelectMany(h => h.Rooms).ToList();
        Assert.Equal(rooms.Select(r => r.Item1), back.Select(b => b.Room));
        // Every board but the crowded one read back whole; the crowded one with as many viewers as fit.
        foreach (var (said, read) in rooms.Zip(back).Where((_, i) => i != 7)) Assert.True(said.Item2.SameAs(read.Piece));
        Assert.InRange(back[7].Piece.Viewing.Count, 50, 399);
        Assert.Equal(rooms[7].Item2.Viewing.Take(back[7].Piece.Viewing.Count), back[7].Piece.Viewing);
        Assert.Null(PresenceRelay.Parse("{\"i\":\"not a guid\"}"));
    }
}

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
}

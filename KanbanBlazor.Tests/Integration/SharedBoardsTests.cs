using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Features.Board;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Viewers of one board on one instance share one immutable board: opening it takes the
/// shared one when the database says it is current, and each change heard brings the board after it.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SharedBoardsTests(TestDatabase database)
{
    [Fact]
    public async Task Viewers_of_a_board_hold_the_very_same_board_object_before_and_after_a_change()
    {
        var shared = new SharedBoards(TimeProvider.System);
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var moveCard = new MoveCard(new BoardTransaction(database.KanbanFactory(), hub, TimeProvider.System, shared: shared), NullLogger<MoveCard>.Instance);
        var load = new LoadBoard(database.KanbanFactory(), shared);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 5);
        var viewers = new List<BoardState>();
        for (var i = 0; i < 3; i++) viewers.Add(await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default) ?? throw new InvalidOperationException());
        Assert.All(viewers, v => Assert.Same(viewers[0].Current, v.Current));
        Assert.Equal(5, viewers[0].CardsIn("new").Count);

        var heard = viewers.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var subscriptions = viewers.Select((viewer, i) => hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change =>
        {
            lock (viewer) viewer.TryApply(change.Sequence, change.Event, change.Board);
            heard[i].TrySetResult();
            return Task.CompletedTask;
        })).ToList();
        var card = viewers[0].CardsIn("new")[0];
        var result = await moveCard.ExecuteAsync(tenant.As(TenantRole.Manager), "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);
        Assert.True(result.Succeeded, result.Decision.Message);
        await Task.WhenAll(heard.Select(h => h.Task)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(viewers, v => Assert.Same(viewers[0].Current, v.Current));
        Assert.Equal("won", viewers[0].Find(card.Id)!.Stage);
        // A viewer opening the board now takes the shared one too, and it is the stored board.
        var late = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default);
        Assert.Same(viewers[0].Current, late!.Current);
        var stored = await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default);
        Assert.NotSame(stored!.Current, late.Current);
        foreach (var stage in stored.Stages)
            Assert.Equal(stored.CardsIn(stage.Key).Select(c => (c.Id, c.Position, c.Version, c.OwnerName)), late.CardsIn(stage.Key).Select(c => (c.Id, c.Position, c.Version, c.OwnerName)));
        subscriptions.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task A_board_changed_by_another_instance_is_read_from_the_database_not_taken_from_the_stale_shared_one()
    {
        var shared = new SharedBoards(TimeProvider.System);
        var load = new LoadBoard(database.KanbanFactory(), shared);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var first = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default);
        // Another instance (its own writer, nothing shared with this one) moves a card.
        var elsewhere = new MoveCard(new BoardTransaction(database.KanbanFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System), NullLogger<MoveCard>.Instance);
        var card = first!.CardsIn("new")[0];
        Assert.True((await elsewhere.ExecuteAsync(tenant.As(TenantRole.Manager), "lead", new MoveRequest(card.Id, card.Version, "lost", 0, Reason: "budget"), Guid.NewGuid(), "test", default)).Succeeded);

        var second = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default);
        Assert.NotSame(first.Current, second!.Current);
        Assert.Equal(("lost", first.Sequence + 1), (second.Find(card.Id)!.Stage, second.Sequence));
    }
}

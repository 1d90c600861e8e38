using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Core.Ordering;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>A busy spot of a stage, through the real writer: keys there stay short because the cards
/// around it are re-keyed as a logged event, which live viewers, the log, replay, the verifier and undo
/// all agree on.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RebalanceTests(TestDatabase database)
{
    [Fact]
    public async Task Moves_into_one_spot_rebalance_it_as_a_logged_event_that_viewers_replay_and_the_verifier_accepts()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var transaction = new BoardTransaction(database.KanbanFactory(), hub, TimeProvider.System);
        var moveCard = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var undo = new UndoMove(transaction, database.KanbanFactory(), NullLogger<UndoMove>.Instance);
        var load = new LoadBoard(database.KanbanFactory());
        var snapshots = new BoardSnapshots(database.KanbanFactory(), TimeProvider.System);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 6);
        var manager = tenant.As(TenantRole.Manager);
        await snapshots.TakeAsync(tenant.Id, "lead", SnapshotReasons.Manual, default);
        var viewer = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default) ?? throw new InvalidOperationException();
        var gate = new object();
        var rebalancesHeard = 0;
        using var subscription = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change =>
        {
            lock (gate)
            {
                viewer.TryApply(change.Sequence, change.Event);
                if (change.Event is StageRebalanced) rebalancesHeard++;
            }
            return Task.CompletedTask;
        });

        // Again and again, the stage's last card is dropped right below its first: always the same spot.
        var expected = viewer.CardsIn("qualified").Select(c => c.Id).ToList();
        var anchor = expected[0];
        for (var move = 0; move < 400; move++)
        {
            var board = await load.ExecuteAsync(manager, "lead", default) ?? throw new InvalidOperationException();
            var last = board.CardsIn("qualified")[^1];
            var result = await moveCard.ExecuteAsync(manager, "lead", new MoveRequest(last.Id, last.Version, "qualified", 1, anchor), Guid.NewGuid(), "test", default);
            Assert.True(result.Succeeded, result.Decision.Message);
            expected.Remove(last.Id);
            expected.Insert(1, last.Id);
        }

        var stored = await load.ExecuteAsync(manager, "lead", default) ?? throw new InvalidOperationException();
        Assert.Equal(expected, stored.CardsIn("qualified").Select(c => c.Id));
        var longest = stored.CardsIn("qualified").Max(c => c.Position.Length);
        Assert.True(longest <= OrderingKey.MaxLength, $"a key of {longest} characters");
        List<CardMove> log;
        await using (var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default))
            log = await db.Moves.AsNoTracking().OrderBy(m => m.Sequence).ToListAsync();
        var rebalances = log.Where(m => m.EventType == BoardEventTypes.StageRebalanced).ToList();
        Assert.True(rebalances.Count >= 3, $"{rebalances.Count} rebalances in 400 moves into one spot");
        // Each rebalance comes right before the move that needed it, in the same stage.
        Assert.All(rebalances, r =>
        {
            var next = log.Single(m => m.Sequence == r.Sequence + 1);
            Assert.Equal((BoardEventTypes.CardMoved, "qualified"), (next.EventType, next.ToStage));
            Assert.Contains(next.Id.ToString(), r.Metadata);
        });

        // The undo of the latest move still works across rebalances, and redo puts the card back.
        var undone = await undo.ExecuteAsync(manager, "lead", UndoKind.Undo, Guid.NewGuid(), "test");
        Assert.True(undone.Succeeded, undone.Decision.Message);
        var redone = await undo.ExecuteAsync(manager, "lead", UndoKind.Redo, Guid.NewGuid(), "test");
        Assert.True(redone.Succeeded, redone.Decision.Message);
        stored = await load.ExecuteAsync(manager, "lead", default) ?? throw new InvalidOperationException();
        Assert.Equal(expected, stored.CardsIn("qualified").Select(c => c.Id));

        // The log (replayed from the snapshot), the verifier and a viewer that heard every event agree with the table.
        var report = await new VerifyBoard(database.KanbanFactory()).ExecuteAsync(tenant.Id, "lead", default) ?? throw new InvalidOperationException();
        Assert.True(report.IsConsistent, string.Join("; ", report.Drift.Select(d => d.Detail)));
        Assert.NotNull(report.ReplayedFrom);
        var caughtUp = await new BoardLog(database.KanbanFactory()).SinceAsync(manager, "lead", 0, default);
        Assert.Equal(rebalances.Count, caughtUp!.Count(e => e.Event is StageRebalanced));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            lock (gate) if (viewer.Sequence == stored.Sequence) break;
            await Task.Delay(20);
        }
        lock (gate)
        {
            Assert.Equal(rebalances.Count, rebalancesHeard);
            Assert.Equal(stored.CardsIn("qualified").Select(c => (c.Id, c.Position, c.Version)), viewer.CardsIn("qualified").Select(c => (c.Id, c.Position, c.Version)));
        }
    }
}

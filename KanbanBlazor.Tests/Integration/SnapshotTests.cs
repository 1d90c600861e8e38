using System.Net;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Features.Board;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Snapshots, "board as of" and repair: the board at any past moment, from the nearest
/// snapshot forwards or from a later state backwards; drift found by replay and repaired by logged moves.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SnapshotTests(TestDatabase database)
{
    private static List<(Guid, string, int)> Cards(BoardSnapshot board) => board.AllCards.Select(c => (c.Id, c.Stage, c.Version)).OrderBy(c => c.Id).ToList();

    [Fact]
    public async Task The_board_as_of_any_past_moment_is_the_board_that_was_stored_then_with_or_without_a_snapshot()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(1);
        var clock = new ManualClock(start);
        var transaction = new BoardTransaction(database.KanbanFactory(), new BoardHub(NullLogger<BoardHub>.Instance), clock);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var undo = new UndoMove(transaction, database.KanbanFactory(), NullLogger<UndoMove>.Instance);
        var load = new LoadBoard(database.KanbanFactory());
        var snapshots = new BoardSnapshots(database.KanbanFactory(), clock);

        foreach (var withSnapshot in new[] { true, false })
        {
            var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
            var admin = tenant.As(TenantRole.Admin);
            async Task<BoardSnapshot> StoredAsync() => (await load.ExecuteAsync(admin, "lead", default))!.Current;
            async Task MoveFirstAsync(string from, string to)
            {
                var card = (await StoredAsync()).CardsIn(from)[0];
                Assert.True((await move.ExecuteAsync(admin, "lead", new MoveRequest(card.Id, card.Version, to, 1), Guid.NewGuid(), "test", default)).Succeeded);
            }

            clock.Now = start;
            var atStart = await StoredAsync();
            clock.Now = start.AddMinutes(1);
            await MoveFirstAsync("new", "won");
            var afterFirst = await StoredAsync();
            clock.Now = start.AddMinutes(2);
            if (withSnapshot) await snapshots.TakeAsync(tenant.Id, "lead", SnapshotReasons.Manual, default);
            clock.Now = start.AddMinutes(3);
            await MoveFirstAsync("contacted", "proposal");
            await MoveFirstAsync("proposal", "lost");
            var afterThird = await StoredAsync();
            clock.Now = start.AddMinutes(4);
            Assert.True((await undo.ExecuteAsync(admin, "lead", UndoKind.Undo, Guid.NewGuid(), "test")).Succeeded);
            var now = await StoredAsync();

            foreach (var (at, expected) in new[]
            {
                (start.AddSeconds(30), atStart),       // before the first snapshot: taken back from a later state
                (start.AddSeconds(90), afterFirst),
                (start.AddSeconds(210), afterThird),   // after the snapshot: replayed forwards from it
                (start.AddMinutes(10), now),
            })
            {
                var asOf = await snapshots.AsOfAsync(admin, "lead", at, default) ?? throw new InvalidOperationException();
                Assert.Equal(expected.Sequence, asOf.Sequence);
                Assert.Equal(Cards(expected), Cards(asOf));
                foreach (var stage in expected.Stages)
                    Assert.Equal(expected.CardsIn(stage.Key).Select(c => c.Id), asOf.CardsIn(stage.Key).Select(c => c.Id));
            }
        }
    }

    [Fact]
    public async Task Drift_behind_the_engines_back_is_found_by_replay_and_repaired_by_logged_moves_that_viewers_hear()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var admin = await ApiTests.CallerAsync(app, tenant, TenantRole.Admin);
        var manager = await ApiTests.CallerAsync(app, tenant, TenantRole.Manager);
        Assert.Equal(SnapshotReasons.Baseline, (await ApiTests.JsonAsync(await admin.PostAsync("/api/v1/kanban/snapshots/lead"), HttpStatusCode.OK)).GetProperty("reason").GetString());
        var load = app.Services.GetRequiredService<LoadBoard>();
        var board = (await load.ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var card = board.CardsIn("new")[0];
        await ApiTests.JsonAsync(await admin.PostAsync("/api/v1/kanban/move", new { entityType = "lead", entityId = card.Id, toStageId = "qualified", toIndex = 0, expectedVersion = card.Version }), HttpStatusCode.OK);

        // Behind the engine's back: the moved card put elsewhere, and two cards given one key.
        var twins = board.CardsIn("contacted");
        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, $"""
            UPDATE cards SET stage = 'won' WHERE id = '{card.Id}';
            UPDATE cards SET position = '{twins[0].Position}' WHERE id = '{twins[1].Id}';
            """);
        var report = await ApiTests.JsonAsync(await admin.GetAsync("/api/v1/kanban/consistency/lead"), HttpStatusCode.OK);
        Assert.False(report.GetProperty("consistent").GetBoolean());
        var kinds = report.GetProperty("drift").EnumerateArray().Select(d => d.GetProperty("kind").GetString()).ToList();
        Assert.Contains("StageDrift", kinds);
        Assert.Contains("DuplicatePosition", kinds);
        Assert.Contains("ReplayDrift", kinds);

        var heard = new List<BoardChange>();
        using var listening = app.Services.GetRequiredService<BoardHub>().Subscribe(tenant.Id, "lead", Guid.NewGuid(), change =>
        {
            lock (heard) heard.Add(change);
            return Task.CompletedTask;
        });
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsync("/api/v1/kanban/consistency/lead/repair")).StatusCode);
        var repaired = await ApiTests.JsonAsync(await admin.PostAsync("/api/v1/kanban/consistency/lead/repair"), HttpStatusCode.OK);
        Assert.Equal(2, repaired.GetProperty("repairs").GetArrayLength());
        Assert.True(repaired.GetProperty("report").GetProperty("consistent").GetBoolean(), repaired.GetProperty("report").ToString());

        var after = (await load.ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        Assert.Equal("qualified", after.Find(card.Id)!.Stage);
        Assert.NotEqual(after.Find(twins[0].Id)!.Position, after.Find(twins[1].Id)!.Position);
        var log = await ApiTests.JsonAsync(await admin.GetAsync("/api/v1/kanban/moves/lead"), HttpStatusCode.OK);
        Assert.Equal(2, log.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "repair"));
        for (var i = 0; i < 100 && heard.Count < 2; i++) await Task.Delay(20);
        lock (heard) Assert.Equal(2, heard.Count(c => c.Event is CardMoved));
    }
}

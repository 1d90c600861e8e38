using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Features.Board;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Many people moving, undoing and redoing at once on several boards: afterwards every board
/// agrees with its event log, and a viewer who applied every live event holds exactly the stored board.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ConsistencyTests(TestDatabase database)
{
    [Fact]
    public async Task A_random_concurrent_workload_of_moves_undos_and_redos_leaves_no_drift_and_viewers_exact()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var transaction = new BoardTransaction(database.KanbanFactory(), hub, TimeProvider.System);
        var moveCard = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var undo = new UndoMove(transaction, database.KanbanFactory(), NullLogger<UndoMove>.Instance);
        var load = new LoadBoard(database.KanbanFactory());
        var verify = new VerifyBoard(database.KanbanFactory());
        var snapshots = new BoardSnapshots(database.KanbanFactory(), TimeProvider.System);
        string[] stages = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"];

        var boards = new List<(TestTenant Tenant, BoardState Viewer, object Gate, IDisposable Subscription)>();
        for (var b = 0; b < 3; b++)
        {
            var tenant = await database.CreateTenantAsync(cardsPerStage: 4);
            var viewer = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default) ?? throw new InvalidOperationException();
            var gate = new object();
            var subscription = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change =>
            {
                lock (gate) viewer.TryApply(change.Sequence, change.Event); // may arrive out of order
                return Task.CompletedTask;
            });
            boards.Add((tenant, viewer, gate, subscription));
            // The board's first snapshot, from which the log is replayed afterwards.
            Assert.Equal(SnapshotReasons.Baseline, (await snapshots.TakeAsync(tenant.Id, "lead", SnapshotReasons.Manual, default))!.Reason);
        }

        // Two people per board (a Manager and an Admin), each doing 25 random things as fast as they can.
        var work = boards.SelectMany(board => new[] { TenantRole.Manager, TenantRole.Admin }.Select((role, who) => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(board.Tenant.Id, who));
            var person = board.Tenant.As(role);
            for (var i = 0; i < 25; i++)
            {
                var roll = random.Next(10);
                if (roll < 2)
                {
                    await undo.ExecuteAsync(person, "lead", UndoKind.Undo, Guid.NewGuid(), "test");
                    continue;
                }
                if (roll < 3)
                {
                    await undo.ExecuteAsync(person, "lead", UndoKind.Redo, Guid.NewGuid(), "test");
                    continue;
                }
                // A move from what this person last saw (sometimes stale: then it is refused, which is fine).
                var seen = await load.ExecuteAsync(person, "lead", default) ?? throw new InvalidOperationException();
                var cards = seen.Stages.SelectMany(s => seen.CardsIn(s.Key)).ToList();
                var card = cards[random.Next(cards.Count)];
                var to = stages[random.Next(stages.Length)];
                await moveCard.ExecuteAsync(person, "lead", new MoveRequest(card.Id, card.Version, to, random.Next(0, 6)), Guid.NewGuid(), "test", default);
            }
        }))).ToList();
        await Task.WhenAll(work);

        foreach (var (tenant, viewer, gate, subscription) in boards)
        {
            var report = await verify.ExecuteAsync(tenant.Id, "lead", default) ?? throw new InvalidOperationException();
            Assert.True(report.IsConsistent, string.Join("; ", report.Drift.Select(d => d.Detail)));
            Assert.True(report.Events > 20, $"only {report.Events} events were written");
            // The replayed projection (baseline snapshot + every logged event since) is the stored board.
            Assert.Equal(0, report.ReplayedFrom!.Sequence);
            var replayedSnapshot = await snapshots.TakeAsync(tenant.Id, "lead", SnapshotReasons.Scheduled, default);
            Assert.Equal((report.Sequence, SnapshotReasons.Scheduled), (replayedSnapshot!.Sequence, replayedSnapshot.Reason));

            var stored = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default) ?? throw new InvalidOperationException();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                lock (gate) if (viewer.Sequence == stored.Sequence) break;
                await Task.Delay(20); // the hub delivers on the viewer's own task
            }
            lock (gate)
            {
                Assert.Equal(stored.Sequence, viewer.Sequence);
                foreach (var stage in stored.Stages)
                {
                    Assert.Equal(
                        stored.CardsIn(stage.Key).Select(c => (c.Id, c.Position, c.Version)),
                        viewer.CardsIn(stage.Key).Select(c => (c.Id, c.Position, c.Version)));
                }
            }
            subscription.Dispose();
        }
    }
}

[Collection(DatabaseCollection.Name)]
public sealed class ConsistencyApiTests(TestDatabase database)
{
    [Fact]
    public async Task An_admin_checks_a_boards_consistency_through_the_api_and_other_roles_are_refused()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync();
        var admin = await SignInGuardTests.SignInUserAsync(app, tenant, TenantRole.Admin);
        var manager = await SignInGuardTests.SignInUserAsync(app, tenant, TenantRole.Manager);

        async Task<System.Net.Http.HttpResponseMessage> AskAsync(string email)
        {
            var client = app.CreateDefaultClient(new SignInGuardTests.CookieJar(new System.Net.CookieContainer()));
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await SignInGuardTests.PostAsync(client, email, SignInGuardTests.UserPassword)).Status);
            return await client.GetAsync("/api/v1/kanban/consistency/lead");
        }

        var answer = await AskAsync(admin);
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
        using var report = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.True(report.RootElement.GetProperty("consistent").GetBoolean());
        Assert.Equal(15, report.RootElement.GetProperty("cards").GetInt32());

        // Drift made behind the engine's back is reported.
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var moved = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstAsync(db.Cards);
            db.Moves.Add(new KanbanBlazor.Web.Data.CardMove { Id = Guid.NewGuid(), EntityType = "lead", EntityId = moved.Id, ToStage = "won", Sequence = 5 });
            await db.SaveChangesAsync();
        }
        using var drifted = System.Text.Json.JsonDocument.Parse(await (await AskAsync(admin)).Content.ReadAsStringAsync());
        Assert.False(drifted.RootElement.GetProperty("consistent").GetBoolean());
        Assert.Contains(drifted.RootElement.GetProperty("drift").EnumerateArray(), d => d.GetProperty("kind").GetString() == "StageDrift");

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await AskAsync(manager)).StatusCode);
    }
}

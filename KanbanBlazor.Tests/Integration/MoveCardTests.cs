using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

[Collection(DatabaseCollection.Name)]
public sealed class MoveCardTests(TestDatabase database)
{
    private readonly BoardHub hub = new(NullLogger<BoardHub>.Instance);

    private MoveCard MoveCard() => new(new BoardTransaction(database.KanbanFactory(), hub, TimeProvider.System), NullLogger<MoveCard>.Instance);

    private async Task<Card> CardAsync(TestTenant tenant, string stage, int index = 0)
    {
        await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
        return await db.Cards.AsNoTracking().Where(c => c.Stage == stage).OrderBy(c => c.Position).Skip(index).FirstAsync();
    }

    private async Task<List<Card>> StageAsync(TestTenant tenant, string stage)
    {
        await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
        return await db.Cards.AsNoTracking().Where(c => c.Stage == stage).OrderBy(c => c.Position).ToListAsync();
    }

    private async Task<List<CardMove>> MovesAsync(TestTenant tenant)
    {
        await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
        return await db.Moves.AsNoTracking().OrderBy(m => m.Sequence).ToListAsync();
    }

    [Fact]
    public async Task A_move_stores_the_stage_and_place_logs_the_move_and_bumps_the_version()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var card = await CardAsync(tenant, "new");
        var rep = tenant.As(TenantRole.SalesRep);

        var result = await MoveCard().ExecuteAsync(rep, "lead", new MoveRequest(card.Id, card.Version, "qualified", 1), Guid.NewGuid(), "test", default);

        Assert.True(result.Succeeded, result.Decision.Message);
        Assert.Equal(1, result.Sequence);
        var qualified = await StageAsync(tenant, "qualified");
        Assert.Equal(4, qualified.Count);
        Assert.Equal(card.Id, qualified[1].Id);
        Assert.Equal(card.Version + 1, qualified[1].Version);
        Assert.Equal(rep.UserId, qualified[1].LastModifiedBy);
        var move = Assert.Single(await MovesAsync(tenant));
        Assert.Equal(("new", "qualified", rep.UserId, 1L), (move.FromStage, move.ToStage, move.UserId, move.Sequence));
        Assert.Equal(qualified[1].Position, move.ToPosition);
    }

    [Fact]
    public async Task A_card_dropped_below_another_lands_below_it_even_if_the_stage_changed_meanwhile()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var seen = await StageAsync(tenant, "qualified"); // the mover sees A, B, C
        var dropped = await CardAsync(tenant, "new");
        var meanwhile = await CardAsync(tenant, "new", 1);
        var manager = tenant.As(TenantRole.Manager);
        // Someone else puts a card at the top of the stage first.
        await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(meanwhile.Id, meanwhile.Version, "qualified", 0), Guid.NewGuid(), "test", default);

        // The mover drops theirs between A and B: index 1 of what they saw, below A.
        var result = await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(dropped.Id, dropped.Version, "qualified", 1, seen[0].Id), Guid.NewGuid(), "test", default);

        Assert.True(result.Succeeded, result.Decision.Message);
        Assert.Equal([meanwhile.Id, seen[0].Id, dropped.Id, seen[1].Id, seen[2].Id], (await StageAsync(tenant, "qualified")).Select(c => c.Id));
    }

    [Fact]
    public async Task A_card_dropped_below_one_that_has_since_left_the_stage_goes_to_the_index_it_was_dropped_at()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var seen = await StageAsync(tenant, "qualified");
        var dropped = await CardAsync(tenant, "new");
        var manager = tenant.As(TenantRole.Manager);
        await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(seen[0].Id, seen[0].Version, "lost", 0), Guid.NewGuid(), "test", default);

        var result = await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(dropped.Id, dropped.Version, "qualified", 1, seen[0].Id), Guid.NewGuid(), "test", default);

        Assert.True(result.Succeeded, result.Decision.Message);
        Assert.Equal([seen[1].Id, dropped.Id, seen[2].Id], (await StageAsync(tenant, "qualified")).Select(c => c.Id));
    }

    [Fact]
    public async Task A_move_rewrites_only_the_moved_cards_row()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 5);
        var before = (await StageAsync(tenant, "contacted")).ToDictionary(c => c.Id, c => (c.Position, c.Version));
        var card = await CardAsync(tenant, "new");

        await MoveCard().ExecuteAsync(tenant.As(TenantRole.Manager), "lead", new MoveRequest(card.Id, card.Version, "contacted", 0), Guid.NewGuid(), "test", default);

        var after = await StageAsync(tenant, "contacted");
        Assert.Equal(card.Id, after[0].Id);
        Assert.All(after.Skip(1), c => Assert.Equal(before[c.Id], (c.Position, c.Version)));
    }

    [Fact]
    public async Task Two_concurrent_moves_of_the_same_card_with_the_same_version_let_exactly_one_win()
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        var movers = new[] { tenant.As(TenantRole.Admin), tenant.As(TenantRole.Manager), tenant.As(TenantRole.SalesRep), tenant.As(TenantRole.Admin) };
        var targets = new[] { "contacted", "qualified", "proposal", "negotiation" };
        using var start = new Barrier(movers.Length);

        var results = await Task.WhenAll(movers.Select((mover, i) => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await MoveCard().ExecuteAsync(mover, "lead", new MoveRequest(card.Id, card.Version, targets[i], 0), Guid.NewGuid(), "test", default);
        })));

        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r =>
        {
            Assert.Equal(MoveRefusal.StaleVersion, r.Decision.Refusal);
            Assert.Contains(winner.Moved!.ActorName, r.Decision.Message);
        });
        await using var check = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
        var stored = await check.Cards.AsNoTracking().SingleAsync(c => c.Id == card.Id);
        Assert.Equal(winner.Moved!.ToStage, stored.Stage);
        Assert.Equal(card.Version + 1, stored.Version);
        Assert.Single(await MovesAsync(tenant));
    }

    private async Task SetLimitsAsync(TestTenant tenant, string stage, int? soft, int? hard)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        await db.Stages.Where(s => s.Key == stage).ExecuteUpdateAsync(s => s.SetProperty(x => x.WipSoftLimit, soft).SetProperty(x => x.WipHardLimit, hard));
    }

    [Fact]
    public async Task Fifty_concurrent_moves_into_a_stage_with_a_hard_limit_of_ten_leave_it_with_ten_and_refuse_the_rest()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 10);
        await SetLimitsAsync(tenant, "won", soft: null, hard: 10);
        List<Card> cards;
        await using (var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default))
            cards = await db.Cards.AsNoTracking().Where(c => c.Stage != "won").Take(50).ToListAsync();
        Assert.Equal(50, cards.Count);
        var manager = tenant.As(TenantRole.Manager);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // 50 movers released at once (an async gate: no thread blocks), each on its own connection.
        var moves = cards.Select(async card =>
        {
            await go.Task;
            return await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);
        }).ToList();
        go.SetResult();
        var results = await Task.WhenAll(moves);

        Assert.Equal(10, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(MoveRefusal.WipHardLimit, r.Decision.Refusal));
        Assert.Equal(10, (await StageAsync(tenant, "won")).Count);
        // Nothing half-written: one log entry per successful move, numbered without gaps.
        var log = await MovesAsync(tenant);
        Assert.Equal(10, log.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), log.Select(m => m.Sequence));
    }

    [Fact]
    public async Task Reaching_the_soft_limit_tells_every_viewer_and_logs_the_warning_after_the_move()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        await SetLimitsAsync(tenant, "qualified", soft: 4, hard: null);
        var card = await CardAsync(tenant, "new");
        var heard = new TaskCompletionSource<BoardChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var viewer = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change =>
        {
            if (change.Event is WipWarning) heard.TrySetResult(change);
            return Task.CompletedTask;
        });

        var result = await MoveCard().ExecuteAsync(tenant.As(TenantRole.Manager), "lead", new MoveRequest(card.Id, card.Version, "qualified", 0), Guid.NewGuid(), "test", default);

        Assert.True(result.Succeeded);
        var warning = (WipWarning)(await heard.Task.WaitAsync(TimeSpan.FromSeconds(10))).Event;
        Assert.Equal(("qualified", 4, 4), (warning.Stage, warning.Count, warning.SoftLimit));
        var log = await MovesAsync(tenant);
        Assert.Equal([BoardEventTypes.CardMoved, BoardEventTypes.WipWarning], log.Select(m => m.EventType));
        Assert.Equal([1L, 2L], log.Select(m => m.Sequence));
    }

    [Fact]
    public async Task An_override_of_the_hard_limit_is_recorded_with_its_reason()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        await SetLimitsAsync(tenant, "qualified", soft: null, hard: 2);
        var card = await CardAsync(tenant, "new");
        var manager = tenant.As(TenantRole.Manager);

        var refused = await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "qualified", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(MoveRefusal.WipHardLimit, refused.Decision.Refusal);
        var overridden = await MoveCard().ExecuteAsync(manager, "lead",
            new MoveRequest(card.Id, card.Version, "qualified", 0, Reason: "Board meeting exception", WipOverride: true), Guid.NewGuid(), "test", default);

        Assert.True(overridden.Succeeded, overridden.Decision.Message);
        var move = Assert.Single(await MovesAsync(tenant));
        Assert.Equal("Board meeting exception", move.Reason);
        using var metadata = System.Text.Json.JsonDocument.Parse(move.Metadata);
        Assert.True(metadata.RootElement.GetProperty("wip_override").GetBoolean());
    }

    [Fact]
    public async Task Concurrent_moves_of_different_cards_all_commit_with_consecutive_sequence_numbers()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 4);
        List<Card> cards;
        await using (var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default))
            cards = await db.Cards.AsNoTracking().ToListAsync();
        var manager = tenant.As(TenantRole.Manager);

        var results = await Task.WhenAll(cards.Select(card => Task.Run(() =>
            MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default))));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Decision.Message));
        Assert.Equal(Enumerable.Range(1, cards.Count).Select(i => (long)i), results.Select(r => r.Sequence).Order());
        var won = await StageAsync(tenant, "won");
        Assert.Equal(cards.Count, won.Count);
        Assert.Equal(won.Count, won.Select(c => c.Position).Distinct().Count());
        Assert.Equal(cards.Count, (await MovesAsync(tenant)).Count);
    }

    [Fact]
    public async Task A_stale_move_is_refused_with_who_moved_the_card_where()
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        var manager = tenant.As(TenantRole.Manager);
        await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "proposal", 0), Guid.NewGuid(), "test", default);

        var stale = await MoveCard().ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version, "lost", 0), Guid.NewGuid(), "test", default);

        Assert.Equal(MoveRefusal.StaleVersion, stale.Decision.Refusal);
        Assert.StartsWith($"{manager.UserDisplayName} moved this card to Proposal at ", stale.Decision.Message);
        Assert.Equal(card.Id, (await CardAsync(tenant, "proposal", 0)).Id);
        Assert.Single(await MovesAsync(tenant));
    }

    [Theory]
    [InlineData(TenantRole.Viewer, MoveRefusal.NotPermitted)]
    [InlineData(TenantRole.SalesRep, MoveRefusal.NotPermitted)]
    public async Task A_user_without_the_right_is_refused_and_nothing_is_written(TenantRole role, MoveRefusal expected)
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        if (role == TenantRole.SalesRep)
        {
            // Sales reps may move only their own cards: give this one to the manager.
            await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
            await db.Cards.Where(c => c.Id == card.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.OwnerId, tenant.As(TenantRole.Manager).UserId));
        }

        var result = await MoveCard().ExecuteAsync(tenant.As(role), "lead", new MoveRequest(card.Id, card.Version, "contacted", 0), Guid.NewGuid(), "test", default);

        Assert.Equal(expected, result.Decision.Refusal);
        Assert.Equal("new", (await StageAsync(tenant, "new")).Single(c => c.Id == card.Id).Stage);
        Assert.Empty(await MovesAsync(tenant));
    }

    [Fact]
    public async Task A_user_demoted_or_removed_after_opening_the_board_is_refused_on_the_next_move()
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        var manager = tenant.As(TenantRole.Manager); // resolved while still a manager
        await using (var admin = await database.OwnerContextAsync(tenant.Id))
            await admin.Members.Where(m => m.UserId == manager.UserId).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, "Viewer"));

        var demoted = await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(MoveRefusal.NotPermitted, demoted.Decision.Refusal);

        await using (var admin = await database.OwnerContextAsync(tenant.Id))
            await admin.Members.Where(m => m.UserId == manager.UserId).ExecuteDeleteAsync();
        var removed = await MoveCard().ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);
        Assert.Equal("You are no longer a member of this organisation.", removed.Decision.Message);
        Assert.Empty(await MovesAsync(tenant));
    }

    [Fact]
    public async Task A_move_to_a_stage_the_board_does_not_have_is_refused_and_the_sequence_is_not_used()
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");

        var result = await MoveCard().ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version, "on_hold", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(MoveRefusal.UnknownStage, result.Decision.Refusal);
        Assert.Contains("on_hold", result.Decision.Message);

        var next = await MoveCard().ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version, "contacted", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(1, next.Sequence);
    }

    [Fact]
    public async Task A_card_of_another_tenant_cannot_be_moved_and_is_reported_as_not_found()
    {
        var mine = await database.CreateTenantAsync();
        var theirs = await database.CreateTenantAsync();
        var theirCard = await CardAsync(theirs, "new");

        var result = await MoveCard().ExecuteAsync(mine.As(TenantRole.Admin), "lead", new MoveRequest(theirCard.Id, theirCard.Version, "won", 0), Guid.NewGuid(), "test", default);

        Assert.Equal(MoveRefusal.CardNotFound, result.Decision.Refusal);
        Assert.Equal("new", (await StageAsync(theirs, "new")).Single(c => c.Id == theirCard.Id).Stage);
        Assert.Empty(await MovesAsync(theirs));
        Assert.Empty(await MovesAsync(mine));
    }

    [Fact]
    public async Task A_committed_move_reaches_other_viewers_of_that_board_and_nobody_else()
    {
        var tenant = await database.CreateTenantAsync();
        var other = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        var mover = Guid.NewGuid();
        var colleague = new TaskCompletionSource<BoardChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        var heardByMover = 0;
        var heardByOtherTenant = 0;
        using var s1 = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), c => { colleague.TrySetResult(c); return Task.CompletedTask; });
        using var s2 = hub.Subscribe(tenant.Id, "lead", mover, _ => { Interlocked.Increment(ref heardByMover); return Task.CompletedTask; });
        using var s3 = hub.Subscribe(other.Id, "lead", Guid.NewGuid(), _ => { Interlocked.Increment(ref heardByOtherTenant); return Task.CompletedTask; });
        using var s4 = hub.Subscribe(tenant.Id, "opportunity", Guid.NewGuid(), _ => { Interlocked.Increment(ref heardByOtherTenant); return Task.CompletedTask; });

        var result = await MoveCard().ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version, "won", 0), mover, "test", default);

        var change = await colleague.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((result.Sequence, card.Id, "won"), (change.Sequence, ((CardMoved)change.Event).CardId, ((CardMoved)change.Event).ToStage));
        Assert.Equal(0, heardByMover);
        Assert.Equal(0, heardByOtherTenant);
    }

    [Fact]
    public async Task A_viewer_that_hears_every_change_while_many_people_move_cards_ends_up_with_the_stored_board()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 6);
        var load = new LoadBoard(database.KanbanFactory());
        var viewer = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default) ?? throw new InvalidOperationException();
        const int movers = 6, movesEach = 15;
        var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new object();
        using var subscription = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change =>
        {
            lock (gate)
            {
                viewer.TryApply(change.Sequence, change.Event); // may arrive out of order
                if (viewer.Sequence == movers * movesEach) caughtUp.TrySetResult();
            }
            return Task.CompletedTask;
        });
        var stages = new[] { "new", "contacted", "qualified", "proposal", "negotiation", "won" };
        List<Card> cards;
        await using (var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default))
            cards = await db.Cards.AsNoTracking().ToListAsync();

        await Task.WhenAll(Enumerable.Range(0, movers).Select(m => Task.Run(async () =>
        {
            var mine = cards.Where((_, i) => i % movers == m).ToList();
            var versions = mine.ToDictionary(c => c.Id, c => c.Version);
            for (var i = 0; i < movesEach; i++)
            {
                var card = mine[i % mine.Count];
                var result = await MoveCard().ExecuteAsync(tenant.As(TenantRole.Manager), "lead",
                    new MoveRequest(card.Id, versions[card.Id], stages[(i * 7 + m) % stages.Length], i % 3), Guid.NewGuid(), "test", default);
                Assert.True(result.Succeeded, result.Decision.Message);
                versions[card.Id] = result.Moved!.Version;
            }
        })));

        await caughtUp.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stored = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default) ?? throw new InvalidOperationException();
        lock (gate)
        {
            Assert.Null(viewer.MissingSequence);
            foreach (var stage in stored.Stages)
                Assert.Equal(stored.CardsIn(stage.Key).Select(c => (c.Id, c.Position, c.Version)), viewer.CardsIn(stage.Key).Select(c => (c.Id, c.Position, c.Version)));
        }
    }

    [Fact]
    public async Task A_disposed_subscription_hears_nothing_more()
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        var heard = 0;
        var subscription = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), _ => { Interlocked.Increment(ref heard); return Task.CompletedTask; });
        subscription.Dispose();

        await MoveCard().ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);

        Assert.Equal(0, hub.SubscriberCount(tenant.Id, "lead"));
        Assert.Equal(0, heard);
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The board writer: concurrent writes to one board share transactions (one lock, one commit),
/// each still checked and numbered in turn, and one write's failure is only its own.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class BoardTransactionTests(TestDatabase database)
{
    [Fact]
    public async Task Forty_concurrent_moves_on_one_board_share_commits_and_are_numbered_without_gaps()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var transaction = new BoardTransaction(database.KanbanFactory(), hub, TimeProvider.System);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 8);
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var cards = board.Stages.Where(s => s.Outcome == StageOutcome.Open).SelectMany(s => board.CardsIn(s.Key)).Take(40).ToList();

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var moves = cards.Select(async (card, i) =>
        {
            await go.Task;
            return await move.ExecuteAsync(tenant.As(i % 2 == 0 ? TenantRole.Admin : TenantRole.Manager), "lead",
                new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);
        }).ToList();
        go.SetResult();
        var results = await Task.WhenAll(moves);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Decision.Message));
        var (commits, writes) = transaction.Committed;
        Assert.Equal(40, writes);
        Assert.True(commits < 40, $"{commits} commits for 40 concurrent moves: nothing was batched");
        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), await db.Moves.OrderBy(m => m.Sequence).Select(m => m.Sequence).ToListAsync());
        Assert.Equal(40, await db.Cards.CountAsync(c => c.Stage == "won"));
    }

    [Fact]
    public async Task A_write_that_fails_in_a_shared_transaction_fails_alone()
    {
        var transaction = new BoardTransaction(database.KanbanFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 4);
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var cards = board.CardsIn("new").Concat(board.CardsIn("contacted")).ToList();

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = cards.Select(async (card, i) =>
        {
            await go.Task;
            if (i == 3)
            {
                // A write that breaks after doing its reads: its batch is rolled back and run again one by one.
                return await Record.ExceptionAsync(() => transaction.ExecuteAsync<int>(tenant.As(TenantRole.Admin), "lead", Guid.NewGuid(), "test",
                    async w => { await w.Db.Cards.CountAsync(); throw new InvalidOperationException("broken use case"); }, default));
            }
            var result = await move.ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version, "lost", 0), Guid.NewGuid(), "test", default);
            return result.Succeeded ? null : new InvalidOperationException(result.Decision.Message);
        }).ToList();
        go.SetResult();
        var errors = await Task.WhenAll(writes);

        Assert.Equal("broken use case", Assert.IsType<InvalidOperationException>(errors[3]).Message);
        Assert.All(errors.Where((_, i) => i != 3), Assert.Null);
        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal(cards.Count - 1, await db.Cards.CountAsync(c => c.Stage == "lost"));
        Assert.Equal(Enumerable.Range(1, cards.Count - 1).Select(i => (long)i), await db.Moves.OrderBy(m => m.Sequence).Select(m => m.Sequence).ToListAsync());
    }

    [Fact]
    public async Task A_writers_copy_of_the_board_gives_way_to_what_another_instance_committed()
    {
        // Two app instances: two writers, each with its own copy of the board, on one database.
        MoveCard Instance() => new(new BoardTransaction(database.KanbanFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System), NullLogger<MoveCard>.Instance);
        var (first, second) = (Instance(), Instance());
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, "UPDATE kanban_stages SET wip_hard_limit = 4 WHERE key = 'qualified'");
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var admin = tenant.As(TenantRole.Admin);
        var (a, b) = (board.CardsIn("new")[0], board.CardsIn("new")[1]);

        Assert.True((await first.ExecuteAsync(admin, "lead", new MoveRequest(a.Id, a.Version, "contacted", 0), Guid.NewGuid(), "test", default)).Succeeded);
        // The other instance moves the same card on, and fills the limited stage to its limit.
        var moved = await second.ExecuteAsync(admin, "lead", new MoveRequest(a.Id, a.Version + 1, "qualified", 0), Guid.NewGuid(), "test", default);
        Assert.True(moved.Succeeded, moved.Decision.Message);

        // The first instance sees both: the card's new version, and the stage at its limit.
        var stale = await first.ExecuteAsync(admin, "lead", new MoveRequest(a.Id, a.Version + 1, "proposal", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(MoveRefusal.StaleVersion, stale.Decision.Refusal);
        var full = await first.ExecuteAsync(admin, "lead", new MoveRequest(b.Id, b.Version, "qualified", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(MoveRefusal.WipHardLimit, full.Decision.Refusal);
        var onward = await first.ExecuteAsync(admin, "lead", new MoveRequest(a.Id, moved.Moved!.Version, "proposal", 0), Guid.NewGuid(), "test", default);
        Assert.True(onward.Succeeded, onward.Decision.Message);
    }
    [Fact]
    public async Task A_stale_move_in_a_shared_transaction_names_the_move_just_before_it()
    {
        var transaction = new BoardTransaction(database.KanbanFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var (first, card) = (board.CardsIn("new")[0], board.CardsIn("contacted")[0]);
        var (admin, manager) = (tenant.As(TenantRole.Admin), tenant.As(TenantRole.Manager));

        // Someone else holds the board's lock: the writer waits with a first write, and the next two queue up behind it.
        await using var holder = new Npgsql.NpgsqlConnection(database.OwnerConnectionString);
        await holder.OpenAsync();
        await using var held = await holder.BeginTransactionAsync();
        await new Npgsql.NpgsqlCommand($"SELECT set_config('app.tenant_id', '{tenant.Id}', true); SELECT 1 FROM kanban_configs WHERE entity_type = 'lead' FOR UPDATE", holder, held).ExecuteNonQueryAsync();
        var waiting = move.ExecuteAsync(admin, "lead", new MoveRequest(first.Id, first.Version, "qualified", 0), Guid.NewGuid(), "test", default);
        await using (var watch = new Npgsql.NpgsqlConnection(database.SuperuserConnectionString))
        {
            await watch.OpenAsync();
            var query = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database.Name}' AND wait_event_type = 'Lock'", watch);
            for (var i = 0; i < 200 && (long)(await query.ExecuteScalarAsync())! == 0; i++) await Task.Delay(25);
        }
        var winner = move.ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "proposal", 0), Guid.NewGuid(), "test", default);
        var loser = move.ExecuteAsync(admin, "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);
        await held.CommitAsync();

        Assert.True((await waiting).Succeeded);
        Assert.True((await winner).Succeeded);
        var refused = (await loser).Decision;
        Assert.Equal(MoveRefusal.StaleVersion, refused.Refusal);
        Assert.Contains(manager.UserDisplayName, refused.Message);
        Assert.Contains("Proposal", refused.Message);
        // The winner and the loser were one batch: two commits for the three writes.
        Assert.Equal((2L, 2L), transaction.Committed);
    }
    [Fact]
    public async Task An_update_whose_version_no_longer_matches_fails_the_whole_transaction_before_its_commit()
    {
        var transaction = new BoardTransaction(database.KanbanFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var card = board.CardsIn("new")[0];

        // A use case that trusts a version the row no longer has (its copy of the card is wrong).
        var error = await Record.ExceptionAsync(() => transaction.ExecuteAsync(tenant.As(TenantRole.Admin), "lead", Guid.NewGuid(), "test", w =>
        {
            var stale = new KanbanBlazor.Web.Data.Card
            {
                Id = card.Id, TenantId = tenant.Id, EntityType = "lead", Title = card.Title, OwnerId = card.OwnerId,
                Stage = card.Stage, Position = card.Position, Version = card.Version + 7,
            };
            w.Db.Cards.Attach(stale);
            stale.Stage = "won";
            stale.Version++;
            var moveId = Guid.NewGuid();
            w.Append(new CardMoved(moveId, card.Id, "new", "won", stale.Position, stale.Version), new KanbanBlazor.Web.Data.CardMove
            {
                Id = moveId, EntityType = "lead", EntityId = card.Id, FromStage = "new", ToStage = "won", ToPosition = stale.Position,
                UserId = w.Actor.UserId, CreatedAt = w.Now,
            });
            return Task.FromResult(0);
        }, default));

        Assert.NotNull(error);
        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal("new", await db.Cards.Where(c => c.Id == card.Id).Select(c => c.Stage).SingleAsync());
        Assert.Empty(await db.Moves.ToListAsync());
        Assert.Equal(0, await db.BoardConfigs.Select(c => c.Sequence).SingleAsync());
        // And the board is not stuck: the next move goes through.
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var next = await move.ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version, "won", 0), Guid.NewGuid(), "test", default);
        Assert.True(next.Succeeded, next.Decision.Message);
        Assert.Equal(1, next.Sequence);
    }
    [Fact]
    public async Task A_writer_holding_its_copy_of_the_board_still_hears_a_demotion_or_removal_on_the_very_next_move()
    {
        var transaction = new BoardTransaction(database.KanbanFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var (first, second) = (board.CardsIn("new")[0], board.CardsIn("new")[1]);
        var manager = tenant.As(TenantRole.Manager);

        // The writer now holds its copy of the board: the membership is still read under the lock for every batch.
        Assert.True((await move.ExecuteAsync(manager, "lead", new MoveRequest(first.Id, first.Version, "won", 0), Guid.NewGuid(), "test", default)).Succeeded);
        Assert.True((await move.ExecuteAsync(manager, "lead", new MoveRequest(first.Id, first.Version + 1, "lost", 0), Guid.NewGuid(), "test", default)).Succeeded);

        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, $"UPDATE tenant_memberships SET role = 'Viewer' WHERE user_id = '{manager.UserId}'");
        var demoted = await move.ExecuteAsync(manager, "lead", new MoveRequest(second.Id, second.Version, "won", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(MoveRefusal.NotPermitted, demoted.Decision.Refusal);

        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, $"DELETE FROM tenant_memberships WHERE user_id = '{manager.UserId}'");
        var removed = await move.ExecuteAsync(manager, "lead", new MoveRequest(second.Id, second.Version, "won", 0), Guid.NewGuid(), "test", default);
        Assert.Equal("You are no longer a member of this organisation.", removed.Decision.Message);

        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal(2, await db.Moves.CountAsync());
        Assert.Equal("new", await db.Cards.Where(c => c.Id == second.Id).Select(c => c.Stage).SingleAsync());
        Assert.Equal(2, await db.BoardConfigs.Select(c => c.Sequence).SingleAsync());
    }
    [Fact]
    public async Task The_writers_connections_keep_their_prepared_statements_and_never_a_tenant_between_transactions()
    {
        // One connection in the writer's pool, so the check below gets the very connection the writer used.
        var single = new Npgsql.NpgsqlConnectionStringBuilder(database.AppConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        var transaction = new BoardTransaction(KanbanContexts.ForBoardWriter(single), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(tenant.As(TenantRole.Admin), "lead", default))!;
        var card = board.CardsIn("new")[0];
        for (var i = 0; i < 3; i++)
            Assert.True((await move.ExecuteAsync(tenant.As(TenantRole.Admin), "lead", new MoveRequest(card.Id, card.Version + i, i % 2 == 0 ? "won" : "new", 0), Guid.NewGuid(), "test", default)).Succeeded);

        await using var connection = new Npgsql.NpgsqlConnection(KanbanBlazor.Web.DatabaseSettings.Writer(single));
        await connection.OpenAsync();
        // The sentinel: the writer's auto-prepared statements are still there, so this is its connection, not reset.
        Assert.True((long)(await new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements", connection).ExecuteScalarAsync())! > 0);
        // Only then: no tenant is left on it, and it sees no tenant's rows.
        Assert.Equal("", await new Npgsql.NpgsqlCommand("SELECT coalesce(current_setting('app.tenant_id', true), '')", connection).ExecuteScalarAsync());
        Assert.Equal(0L, await new Npgsql.NpgsqlCommand("SELECT count(*) FROM cards", connection).ExecuteScalarAsync());
    }
}

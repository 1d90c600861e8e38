using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Saving a board's configuration as the settings page does: removing stages that hold cards
/// (they move, logged, to where the Admin said), stale saves told who changed what, concurrent saves
/// and moves serialised by the board transaction.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ConfigureBoardTests(TestDatabase database)
{
    private readonly BoardHub hub = new(NullLogger<BoardHub>.Instance);
    private BoardTransaction? transaction;

    private BoardTransaction Transaction() => transaction ??= new BoardTransaction(database.WriterFactory(), hub, TimeProvider.System);
    private ConfigureBoard Configure() => new(Transaction(), database.KanbanFactory());

    private async Task<List<Card>> CardsAsync(TestTenant tenant)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Cards.AsNoTracking().OrderBy(c => c.Stage).ThenBy(c => c.Position).ToListAsync();
    }

    private async Task<BoardConfiguration> ReadAsync(TestTenant tenant) =>
        await Configure().ReadAsync(tenant.As(TenantRole.Admin), "lead", default) ?? throw new InvalidOperationException("no board");

    private static BoardConfiguration Without(BoardConfiguration config, string stage) =>
        config with { Stages = config.Stages.Where(s => s.Key != stage).ToList() };

    [Fact]
    public async Task Removing_a_stage_moves_its_cards_in_order_to_the_end_of_the_chosen_stage_as_logged_moves_heard_by_open_boards()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var admin = tenant.As(TenantRole.Admin);
        var before = await CardsAsync(tenant);
        var leaving = before.Where(c => c.Stage == "contacted").Select(c => c.Id).ToList();
        var staying = before.Where(c => c.Stage == "qualified").Select(c => c.Id).ToList();
        var heard = new List<BoardChange>();
        using var _ = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change => { lock (heard) heard.Add(change); return Task.CompletedTask; });

        var proposal = Without(await ReadAsync(tenant), "contacted") with { MoveCardsTo = new Dictionary<string, string> { ["contacted"] = "qualified" } };
        var result = await Configure().SaveAsync(admin, proposal, Guid.NewGuid(), "test", default);

        Assert.Equal(ConfigureOutcome.Saved, result.Outcome);
        Assert.Equal(3, result.MovedCards);
        var after = await CardsAsync(tenant);
        Assert.DoesNotContain(after, c => c.Stage == "contacted");
        // The stage's own cards first, then the moved ones in the order they had.
        Assert.Equal(staying.Concat(leaving), after.Where(c => c.Stage == "qualified").Select(c => c.Id));
        Assert.All(after.Where(c => leaving.Contains(c.Id)), c => Assert.Equal(2, c.Version));
        Assert.DoesNotContain("contacted", (await ReadAsync(tenant)).Stages.Select(s => s.Key));

        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var log = await db.Moves.AsNoTracking().OrderBy(m => m.Sequence).ToListAsync();
            Assert.Equal([.. Enumerable.Repeat(BoardEventTypes.CardMoved, 3), BoardEventTypes.BoardConfigured], log.Select(m => m.EventType));
            Assert.All(log.Take(3), m => Assert.Equal(("contacted", "qualified", admin.UserId), (m.FromStage, m.ToStage, m.UserId)));
            Assert.Equal(3, System.Text.Json.JsonDocument.Parse(log[^1].Metadata).RootElement.GetProperty("moved_cards").GetInt32());
        }
        await WaitUntilAsync(() => { lock (heard) return heard.Count == 4; });
        var board = heard[^1].Board!;
        Assert.Equal(6, board.CardsIn("qualified").Count);
        Assert.DoesNotContain("contacted", board.Stages.Select(s => s.Key));
        var report = await new VerifyBoard(database.KanbanFactory()).ExecuteAsync(tenant.Id, "lead", default);
        Assert.True(report!.IsConsistent, string.Join("; ", report.Drift.Select(d => d.Detail)));
    }

    [Fact]
    public async Task A_stage_that_holds_cards_is_not_removed_without_saying_where_they_go_nor_to_a_stage_that_goes_too()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var admin = tenant.As(TenantRole.Admin);
        var config = await ReadAsync(tenant);

        var homeless = await Configure().SaveAsync(admin, Without(config, "contacted"), Guid.NewGuid(), "test", default);
        Assert.Equal(ConfigureOutcome.StageNotEmpty, homeless.Outcome);
        Assert.Equal(2, homeless.NonEmptyStages!["contacted"]);

        var nowhere = Without(Without(config, "contacted"), "qualified") with
        {
            MoveCardsTo = new Dictionary<string, string> { ["contacted"] = "qualified", ["qualified"] = "new" },
        };
        var invalid = await Configure().SaveAsync(admin, nowhere, Guid.NewGuid(), "test", default);
        Assert.Equal(ConfigureOutcome.Invalid, invalid.Outcome);
        Assert.Contains(invalid.Problems!, p => p is { Field: "moveCardsTo", Code: "unknown_stage", Argument: "qualified" });

        // Nothing was written by either.
        Assert.Equal(config.Version, (await ReadAsync(tenant)).Version);
        Assert.Equal(2, (await CardsAsync(tenant)).Count(c => c.Stage == "contacted"));
    }

    [Fact]
    public async Task A_stale_save_is_refused_with_the_configuration_as_it_is_now_and_who_saved_it()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var admin = tenant.As(TenantRole.Admin);
        var read = await ReadAsync(tenant);
        var first = read with { Stages = read.Stages.Select(s => s.Key == "contacted" ? s with { Name = "Reached out", WipSoftLimit = 4 } : s).ToList() };
        Assert.Equal(ConfigureOutcome.Saved, (await Configure().SaveAsync(admin, first, Guid.NewGuid(), "test", default)).Outcome);

        var second = read with { Stages = read.Stages.Select(s => s.Key == "new" ? s with { RequiresReason = true } : s).ToList() };
        var stale = await Configure().SaveAsync(admin, second, Guid.NewGuid(), "test", default);

        Assert.Equal(ConfigureOutcome.Stale, stale.Outcome);
        Assert.Equal(admin.UserDisplayName, stale.ChangedBy);
        Assert.NotNull(stale.ChangedAt);
        var changes = BoardConfigDiff.Between(read.Rules, stale.Current!.Rules);
        Assert.Equal(
            [new ConfigChange(ConfigChangeKind.StageRenamed, "contacted", "Contacted", "Reached out"), new ConfigChange(ConfigChangeKind.SoftLimitChanged, "contacted", null, "4")],
            changes);
        Assert.False((await ReadAsync(tenant)).Stages.Single(s => s.Key == "new").RequiresReason);
    }

    [Fact]
    public async Task Two_admins_saving_the_same_version_at_once_save_one_change_and_the_other_is_told()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var admin = tenant.As(TenantRole.Admin);
        var read = await ReadAsync(tenant);
        var proposals = Enumerable.Range(1, 6).Select(n => read with
        {
            Stages = read.Stages.Select(s => s.Key == "new" ? s with { WipSoftLimit = n } : s).ToList(),
        }).ToList();

        var results = await Task.WhenAll(proposals.Select(p => Task.Run(() => Configure().SaveAsync(admin, p, Guid.NewGuid(), "test", default))));

        var saved = Assert.Single(results, r => r.Outcome == ConfigureOutcome.Saved);
        Assert.All(results.Where(r => r != saved), r => Assert.Equal(ConfigureOutcome.Stale, r.Outcome));
        var now = await ReadAsync(tenant);
        Assert.Equal(read.Version + 1, now.Version);
        Assert.Contains(now.Stages.Single(s => s.Key == "new").WipSoftLimit, Enumerable.Range(1, 6).Cast<int?>());
    }

    [Fact]
    public async Task Moves_racing_a_stage_removal_never_leave_a_card_in_a_stage_that_is_gone()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 4);
        var rep = tenant.As(TenantRole.SalesRep);
        var admin = tenant.As(TenantRole.Admin);
        var move = new MoveCard(Transaction(), NullLogger<MoveCard>.Instance);
        var movers = (await CardsAsync(tenant)).Where(c => c.Stage == "new").ToList();
        var proposal = Without(await ReadAsync(tenant), "contacted") with { MoveCardsTo = new Dictionary<string, string> { ["contacted"] = "proposal" } };

        var moves = movers.Select(c => Task.Run(() => move.ExecuteAsync(rep, "lead", new MoveRequest(c.Id, c.Version, "contacted", 0), Guid.NewGuid(), "test", default))).ToList();
        var save = Task.Run(() => Configure().SaveAsync(admin, proposal, Guid.NewGuid(), "test", default));
        await Task.WhenAll(moves);
        var saved = await save;

        Assert.Equal(ConfigureOutcome.Saved, saved.Outcome);
        var after = await CardsAsync(tenant);
        Assert.DoesNotContain(after, c => c.Stage == "contacted");
        // Each racing move either landed first (and its card was moved on with the stage's others) or was refused after.
        var landed = moves.Count(m => m.Result.Succeeded);
        Assert.Equal(4 + landed, saved.MovedCards);
        Assert.All(moves.Where(m => !m.Result.Succeeded), m => Assert.Equal(MoveRefusal.UnknownStage, m.Result.Decision.Refusal));
        Assert.Equal(4 + 4 + landed, after.Count(c => c.Stage == "proposal"));
        var report = await new VerifyBoard(database.KanbanFactory()).ExecuteAsync(tenant.Id, "lead", default);
        Assert.True(report!.IsConsistent, string.Join("; ", report.Drift.Select(d => d.Detail)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the condition never held");
            await Task.Delay(20);
        }
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>How long cards usually stay in each stage (from the log) and when each card came into its
/// stage, as the board marks aged cards.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class StageTimesTests(TestDatabase database)
{
    [Fact]
    public async Task A_stages_usual_time_is_the_85th_percentile_of_finished_stays_and_each_card_knows_when_it_came_in()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 6);
        var manager = tenant.As(TenantRole.Manager);
        var start = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var move = new MoveCard(new BoardTransaction(database.WriterFactory(), hub, clock), NullLogger<MoveCard>.Instance);
        var load = new LoadBoard(database.KanbanFactory());
        var board = await load.ExecuteAsync(manager, "lead", default) ?? throw new InvalidOperationException();
        var cards = board.CardsIn("new").ToList();

        // Six cards enter Contacted at the start; each leaves it after 1, 2, 3, 4, 5 and 10 hours (one never leaves).
        foreach (var card in cards)
            Assert.True((await move.ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "contacted", 0), Guid.NewGuid(), "test", default)).Succeeded);
        double[] hours = [1, 2, 3, 4, 5, 10];
        for (var i = 0; i < 5; i++)
        {
            clock.Now = start.AddHours(hours[i]);
            var current = (await load.ExecuteAsync(manager, "lead", default))!.Find(cards[i].Id)!;
            Assert.True((await move.ExecuteAsync(manager, "lead", new MoveRequest(current.Id, current.Version, "qualified", 0), Guid.NewGuid(), "test", default)).Succeeded);
        }

        var times = await new StageTimes(database.KanbanFactory(), clock).UsualAsync(tenant.Id, "lead", default);

        var contacted = times["contacted"];
        Assert.Equal(5, contacted.Stays);
        // Hand-computed: 1, 2, 3, 4, 5 hours; rank 0.85 × 4 = 3.4 → 4 h + 0.4 h.
        Assert.Equal(TimeSpan.FromHours(4.4), contacted.P85);
        Assert.Equal(CardHealth.Percentile(hours[..5].Select(h => h * 3600), 0.85)!.Value, contacted.P85.TotalSeconds, 6);
        Assert.False(times.ContainsKey("qualified"));

        // When each card came into its stage: stored, and the same on a freshly loaded board.
        var loaded = (await load.ExecuteAsync(manager, "lead", default))!;
        Assert.Equal(start, loaded.Find(cards[5].Id)!.EnteredStageAt);
        Assert.Equal(start.AddHours(3), loaded.Find(cards[2].Id)!.EnteredStageAt);
        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal(start.AddHours(5), (await db.Cards.AsNoTracking().SingleAsync(c => c.Id == cards[4].Id)).StageEnteredAt);
        // The card still in Contacted after ten hours is older there than the stage's usual 4.4 hours.
        Assert.Equal(TimeSpan.FromHours(10), CardHealth.AgedFor(loaded.Find(cards[5].Id)!.EnteredStageAt, start.AddHours(10), contacted));
    }

    [Fact]
    public async Task A_move_heard_live_gives_the_card_the_same_entry_time_as_a_board_loaded_afterwards()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var rep = tenant.As(TenantRole.SalesRep);
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var heard = new List<BoardChange>();
        using var _ = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change => { lock (heard) heard.Add(change); return Task.CompletedTask; });
        var move = new MoveCard(new BoardTransaction(database.WriterFactory(), hub, TimeProvider.System), NullLogger<MoveCard>.Instance);
        var load = new LoadBoard(database.KanbanFactory());
        var card = (await load.ExecuteAsync(rep, "lead", default))!.CardsIn("new")[0];

        Assert.True((await move.ExecuteAsync(rep, "lead", new MoveRequest(card.Id, card.Version, "contacted", 0), Guid.NewGuid(), "test", default)).Succeeded);
        var reordered = (await load.ExecuteAsync(rep, "lead", default))!.Find(card.Id)!;
        Assert.True((await move.ExecuteAsync(rep, "lead", new MoveRequest(card.Id, reordered.Version, "contacted", 1), Guid.NewGuid(), "test", default)).Succeeded);

        var stored = (await load.ExecuteAsync(rep, "lead", default))!.Find(card.Id)!;
        BoardChange last;
        lock (heard) last = heard[^1];
        var live = last.Board!.Find(card.Id)!;
        Assert.NotNull(stored.EnteredStageAt);
        // A move within the stage keeps the entry time; microseconds are what the database keeps.
        Assert.True((live.EnteredStageAt!.Value - stored.EnteredStageAt!.Value).Duration() < TimeSpan.FromMilliseconds(1));
        Assert.Equal(reordered.EnteredStageAt, stored.EnteredStageAt);
    }
}

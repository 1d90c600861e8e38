using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using KanbanBlazor.Web.Features.NextActions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The next-action tracker: what is due for whom, and completing an action (what was done,
/// then the next action or the card closed) as one board write.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class NextActionTests(TestDatabase database)
{
    // Wednesday 2 December 2026, 10:00 in São Paulo (UTC-3).
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 13, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo SaoPaulo = TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");

    private CardWrites Cards() =>
        new(new BoardTransaction(database.WriterFactory(), new BoardHub(NullLogger<BoardHub>.Instance), new ManualClock(Now)), database.KanbanFactory(), NullLogger<CardWrites>.Instance);

    private DueActions Tracker() => new(database.KanbanFactory(), new ManualClock(Now));

    private async Task<List<Card>> SetNextActionsAsync(TestTenant tenant, params (TimeSpan FromNow, bool OwnedByManager)[] actions)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        var cards = await db.Cards.OrderBy(c => c.Stage).ThenBy(c => c.Position).Take(actions.Length).ToListAsync();
        for (var i = 0; i < actions.Length; i++)
        {
            cards[i].NextActionAt = Now + actions[i].FromNow;
            cards[i].NextActionDetails = $"Action {i}";
            if (actions[i].OwnedByManager) cards[i].OwnerId = tenant.As(TenantRole.Manager).UserId;
        }
        await db.SaveChangesAsync();
        return cards;
    }

    [Fact]
    public async Task Due_actions_come_overdue_first_then_today_then_the_rest_of_the_week_each_for_whom_they_are()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        await SetNextActionsAsync(tenant,
            (TimeSpan.FromDays(-2), false),     // overdue
            (TimeSpan.FromHours(5), false),     // today, 15:00 local
            (TimeSpan.FromHours(16), false),    // tomorrow, 02:00 local: this week
            (TimeSpan.FromDays(4.4), false),    // Sunday evening local: this week
            (TimeSpan.FromDays(5), false),      // next Monday: not this week
            (TimeSpan.FromHours(1), true));     // the manager's, today

        var rep = await Tracker().ListAsync(tenant.As(TenantRole.SalesRep), null, SaoPaulo, default);
        var team = await Tracker().ListAsync(tenant.As(TenantRole.Manager), null, SaoPaulo, default);
        var managersOwn = await Tracker().ListAsync(tenant.As(TenantRole.Manager), tenant.As(TenantRole.Manager).UserId, SaoPaulo, default);

        // A rep asking for the team still gets only their own.
        Assert.Equal(["Action 0", "Action 1", "Action 2", "Action 3"], rep.Select(a => a.Details));
        Assert.Equal([Due.Overdue, Due.Today, Due.ThisWeek, Due.ThisWeek], rep.Select(a => a.Due));
        Assert.Equal(["Action 0", "Action 5", "Action 1", "Action 2", "Action 3"], team.Select(a => a.Details));
        Assert.Equal(["Action 5"], managersOwn.Select(a => a.Details));
        Assert.Empty(await Tracker().ListAsync((await database.CreateTenantAsync(cardsPerStage: 1)).As(TenantRole.Manager), null, SaoPaulo, default));
    }

    [Fact]
    public async Task Completing_an_action_records_what_was_done_and_requires_the_next_one()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var card = (await SetNextActionsAsync(tenant, (TimeSpan.FromDays(-1), false)))[0];
        var rep = tenant.As(TenantRole.SalesRep);

        var withoutNext = await Cards().CompleteActionAsync(rep, "lead", card.Id, new CardWrites.CompleteRequest(card.Version, "Called, left a message", null, null), Guid.NewGuid(), "test", default);
        var nothingDone = await Cards().CompleteActionAsync(rep, "lead", card.Id, new CardWrites.CompleteRequest(card.Version, " ", Now.AddDays(1), "Call again"), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Invalid, withoutNext.Outcome);
        Assert.Equal(["nextActionAt", "nextActionDetails"], withoutNext.Errors.Select(e => e.Field));
        Assert.Equal(["done"], nothingDone.Errors.Select(e => e.Field));

        var done = await Cards().CompleteActionAsync(rep, "lead", card.Id,
            new CardWrites.CompleteRequest(card.Version, "Called, left a message", Now.AddDays(1), "Call again"), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Saved, done.Outcome);
        await using var db = await database.OwnerContextAsync(tenant.Id);
        var stored = await db.Cards.AsNoTracking().SingleAsync(c => c.Id == card.Id);
        Assert.Equal((Now.AddDays(1), "Call again", Now, card.Version + 1), (stored.NextActionAt, stored.NextActionDetails, stored.LastActivityAt, stored.Version));
        var row = await db.Moves.AsNoTracking().SingleAsync();
        using var meta = JsonDocument.Parse(row.Metadata);
        Assert.Equal("Called, left a message", meta.RootElement.GetProperty("activity").GetString());
        var history = await new CardHistory(database.KanbanFactory()).ExecuteAsync(rep, "lead", card.Id, default);
        Assert.Equal("Called, left a message", Assert.Single(history).Activity);
    }

    [Fact]
    public async Task Closing_instead_moves_the_card_to_a_closing_stage_in_the_same_write_or_writes_nothing()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var cards = await SetNextActionsAsync(tenant, (TimeSpan.FromDays(-1), false), (TimeSpan.FromDays(-1), false));
        var rep = tenant.As(TenantRole.SalesRep);

        var won = await Cards().CompleteActionAsync(rep, "lead", cards[0].Id,
            new CardWrites.CompleteRequest(cards[0].Version, "Signed the order form", null, null, CloseTo: "won"), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Saved, won.Outcome);
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var stored = await db.Cards.AsNoTracking().SingleAsync(c => c.Id == cards[0].Id);
            Assert.Equal(("won", (DateTimeOffset?)null, cards[0].Version + 2), (stored.Stage, stored.NextActionAt, stored.Version));
            var log = await db.Moves.AsNoTracking().OrderBy(m => m.Sequence).ToListAsync();
            Assert.Equal([BoardEventTypes.CardUpdated, BoardEventTypes.CardMoved], log.Select(m => m.EventType));
            Assert.Equal(("won", "Signed the order form"), (log[1].ToStage, log[1].Reason));
            // Won now takes no more: the next close to it is refused, and nothing of it is written.
            var full = await db.Stages.SingleAsync(s => s.Key == "won");
            full.WipHardLimit = 1;
            await db.SaveChangesAsync();
        }
        var refused = await Cards().CompleteActionAsync(rep, "lead", cards[1].Id,
            new CardWrites.CompleteRequest(cards[1].Version, "They signed too", null, null, CloseTo: "won"), Guid.NewGuid(), "test", default);
        var notClosing = await Cards().CompleteActionAsync(rep, "lead", cards[1].Id,
            new CardWrites.CompleteRequest(cards[1].Version, "Done", null, null, CloseTo: "qualified"), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.WipHardLimit, refused.Outcome);
        Assert.Equal(["closeTo"], notClosing.Errors.Select(e => e.Field));
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var untouched = await db.Cards.AsNoTracking().SingleAsync(c => c.Id == cards[1].Id);
            Assert.Equal((cards[1].Stage, cards[1].Version, "Action 1"), (untouched.Stage, untouched.Version, untouched.NextActionDetails));
            Assert.Equal(2, await db.Moves.CountAsync());
        }
    }

    [Fact]
    public async Task A_sales_rep_cannot_complete_a_colleagues_action()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var card = (await SetNextActionsAsync(tenant, (TimeSpan.FromDays(-1), true)))[0];

        var result = await Cards().CompleteActionAsync(tenant.As(TenantRole.SalesRep), "lead", card.Id,
            new CardWrites.CompleteRequest(card.Version, "Not mine to do", Now.AddDays(1), "Next"), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.NotPermitted, result.Outcome);
        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal(0, await db.Moves.CountAsync());
    }
}

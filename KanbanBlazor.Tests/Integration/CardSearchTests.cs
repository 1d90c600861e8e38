using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>A board's filter asked of PostgreSQL: the cards it finds are exactly those the same rule
/// (BoardFilter.Matches, used for cards that change while a board is open) would, and only the tenant's.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CardSearchTests(TestDatabase database)
{
    [Fact]
    public async Task PostgreSQL_finds_exactly_the_cards_the_filter_rule_matches_and_only_in_the_tenant()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 4);
        var other = await database.CreateTenantAsync(cardsPerStage: 4);
        var manager = tenant.As(TenantRole.Manager);
        var rep = tenant.As(TenantRole.SalesRep);
        var now = DateTimeOffset.UtcNow;
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var cards = await db.Cards.OrderBy(c => c.Stage).ThenBy(c => c.Position).ToListAsync();
            for (var i = 0; i < cards.Count; i++)
            {
                cards[i].Company = i % 3 == 0 ? "Initech 100% Co" : i % 3 == 1 ? "initech_labs" : "Globex";
                cards[i].OwnerId = i % 2 == 0 ? rep.UserId : manager.UserId;
                cards[i].NextActionAt = i % 4 == 0 ? now.AddDays(-1) : i % 4 == 1 ? now.AddDays(1) : null;
                cards[i].Value = 1000 * i;
            }
            await db.SaveChangesAsync();
        }
        var board = await new LoadBoard(database.KanbanFactory()).ExecuteAsync(manager, "lead", default) ?? throw new InvalidOperationException();
        var all = board.Stages.SelectMany(s => board.CardsIn(s.Key)).ToList();
        var search = new CardSearch(database.KanbanFactory());

        BoardFilter[] filters =
        [
            new(Mine: true), new(Owner: rep.UserId), new(Text: "INITECH"), new(Text: "100%"), new(Text: "h_l"), new(Text: "_"),
            new(Overdue: true), new(MinValue: 3000, MaxValue: 9000), new(Mine: true, Text: "globex", MinValue: 1000),
        ];
        foreach (var filter in filters)
        {
            var found = await search.MatchingAsync(manager, "lead", filter, now, default);
            var expected = all.Where(c => filter.Matches(c, manager.UserId, now)).Select(c => c.Id).ToHashSet();
            Assert.True(expected.SetEquals(found), $"{filter}: PostgreSQL found {found.Count}, the rule {expected.Count}");
        }
        Assert.NotEmpty(await search.MatchingAsync(manager, "lead", new BoardFilter(Text: "100%"), now, default));
        // '_' and '%' are text, not patterns: "h_l" is in "initech_labs" only.
        Assert.Equal(all.Count(c => c.Company == "initech_labs"), (await search.MatchingAsync(manager, "lead", new BoardFilter(Text: "h_l"), now, default)).Count);
        // Another tenant's search never sees these cards, even for the same words.
        var theirs = await search.MatchingAsync(other.As(TenantRole.Manager), "lead", new BoardFilter(Text: "card"), now, default);
        Assert.NotEmpty(theirs);
        Assert.Empty(theirs.Intersect(all.Select(c => c.Id)));
    }
}

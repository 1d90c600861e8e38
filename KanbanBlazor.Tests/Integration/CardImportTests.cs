using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Cards to and from CSV through the board transaction: all or none, each problem with its line.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CardImportTests(TestDatabase database)
{
    private CardWrites Cards() =>
        new(new BoardTransaction(database.WriterFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System), database.KanbanFactory(), NullLogger<CardWrites>.Instance);

    private async Task<List<Card>> CardsAsync(TestTenant tenant)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Cards.AsNoTracking().ToListAsync();
    }

    [Fact]
    public async Task A_board_exported_and_imported_into_another_tenant_gives_the_same_cards_owned_by_the_same_names()
    {
        var from = await database.CreateTenantAsync(cardsPerStage: 2);
        var to = await database.CreateTenantAsync(cardsPerStage: 0);
        var manager = from.As(TenantRole.Manager);
        await Cards().CreateAsync(manager, "lead", new CardWrites.CreateRequest("qualified", new CardDraft
        {
            Title = "Vandelay, \"latex\"", Company = "Vandelay Industries", Email = "art@vandelay.example", Score = 88, Value = 999.99m, Currency = "BRL",
            NextActionAt = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero), NextActionDetails = "Send samples",
        }), Guid.NewGuid(), "test", default);
        var csv = (await Cards().ExportAsync(manager, "lead", default))!;
        // The other tenant's people have other names: the file says whose each card is by name.
        csv = csv.Replace($"of {from.Slug}", $"of {to.Slug}");

        var imported = await Cards().ImportAsync(to.As(TenantRole.Admin), "lead", csv, Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Saved, imported.Outcome);
        var source = await CardsAsync(from);
        var copy = await CardsAsync(to);
        Assert.Equal(source.Count, imported.Created);
        string Shape(Card c, TestTenant t) =>
            $"{c.Stage}|{c.Title}|{c.Company}|{c.Email}|{c.Score}|{c.Value}|{c.Currency}|{c.NextActionAt:O}|{c.NextActionDetails}|{t.Members.Values.Single(m => m.UserId == c.OwnerId).Role}";
        Assert.Equal(source.Select(c => Shape(c, from)).Order(), copy.Select(c => Shape(c, to)).Order());
        // In each stage, the file's order.
        Assert.Equal(source.Where(c => c.Stage == "new").OrderBy(c => c.Position, StringComparer.Ordinal).Select(c => c.Title),
            copy.Where(c => c.Stage == "new").OrderBy(c => c.Position, StringComparer.Ordinal).Select(c => c.Title));
        var report = await new VerifyBoard(database.KanbanFactory()).ExecuteAsync(to.Id, "lead", default);
        Assert.True(report!.IsConsistent, string.Join("; ", report.Drift.Select(d => d.Detail)));
    }

    [Fact]
    public async Task One_bad_row_imports_nothing_and_every_problem_is_reported_with_its_line()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var before = await CardsAsync(tenant);
        var csv = "stage,title,email,owner\r\n" +
                  "new,Good one,a@b.example,\r\n" +
                  "nowhere,Lost stage,,\r\n" +
                  "new,Bad mail,not-an-email,\r\n" +
                  "new,Stranger's,,Nobody Here\r\n";

        var result = await Cards().ImportAsync(tenant.As(TenantRole.Manager), "lead", csv, Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Invalid, result.Outcome);
        Assert.Equal([(3, "stage"), (4, "email"), (5, "owner")], result.Errors.Select(e => (e.Line, e.Field)));
        Assert.Equal(before.Count, (await CardsAsync(tenant)).Count);
        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal(0, await db.Moves.CountAsync());
    }

    [Fact]
    public async Task A_sales_rep_imports_only_cards_they_own_and_a_viewer_imports_nothing()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var manager = tenant.As(TenantRole.Manager).UserDisplayName;
        var rep = tenant.As(TenantRole.SalesRep);

        var others = await Cards().ImportAsync(rep, "lead", $"stage,title,owner\r\nnew,For the boss,{manager}\r\n", Guid.NewGuid(), "test", default);
        var own = await Cards().ImportAsync(rep, "lead", "stage,title\r\nnew,Mine\r\n", Guid.NewGuid(), "test", default);
        var viewer = await Cards().ImportAsync(tenant.As(TenantRole.Viewer), "lead", "stage,title\r\nnew,Seen only\r\n", Guid.NewGuid(), "test", default);

        Assert.Equal("not_permitted", Assert.Single(others.Errors).Code);
        Assert.Equal((CardWriteOutcome.Saved, 1), (own.Outcome, own.Created));
        Assert.Equal(CardWriteOutcome.NotPermitted, viewer.Outcome);
        Assert.Equal(rep.UserId, (await CardsAsync(tenant)).Single(c => c.Title == "Mine").OwnerId);
    }
}

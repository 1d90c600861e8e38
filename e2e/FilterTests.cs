using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>A filtered board: what it shows, its address shared with a colleague, and a card that comes
/// to match while it is open.</summary>
[Collection(AppCollection.Name)]
public sealed class FilterTests(AppFixture app)
{
    [Fact]
    public async Task Slow_typing_in_the_search_applies_each_pause_and_the_box_keeps_what_was_typed()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo");
        var box = page.GetByTestId("filter-text");
        // 400 ms between keys: every pause applies the search (a new address, the board and the bar
        // re-rendered from it); the box still shows what was typed, its space included.
        await box.PressSequentiallyAsync("Contoso Pha", new() { Delay = 400 });
        await Expect(box).ToHaveValueAsync("Contoso Pha");
        await Expect(page).ToHaveURLAsync(new Regex(@"q=Contoso(%20|\+)Pha"));
        await Expect(page.GetByTestId("filter-showing")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_search_is_in_the_address_a_colleague_opening_it_sees_the_same_and_a_card_renamed_to_match_appears_live()
    {
        var token = $"Zq{Guid.NewGuid():N}"[..10];
        var searcher = await app.OpenBoardAsync("manager@acme.demo");
        var total = await searcher.Locator(".kb-sortable__item").CountAsync();
        Assert.True(total > 5);

        await searcher.GetByTestId("filter-text").FillAsync(token);
        await searcher.WaitForURLAsync($"**q={token}**");
        await Expect(searcher.GetByTestId("filter-showing")).ToContainTextAsync("0 of ");
        await Expect(searcher.Locator(".kb-column .kb-sortable__item")).ToHaveCountAsync(0);

        // A colleague renames a card to contain the text: the filtered board shows it, alone.
        var editor = await app.OpenBoardAsync("admin@acme.demo");
        var card = editor.Stage("Qualified").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        await editor.CardById(cardId).Locator(".kb-card__title").ClickAsync();
        var dialog = editor.GetByRole(AriaRole.Dialog);
        var name = dialog.GetByLabel("Name", new() { Exact = true });
        await name.FillAsync($"{await name.InputValueAsync()} {token}");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);

        await Expect(searcher.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(searcher.Locator(".kb-column .kb-sortable__item")).ToHaveCountAsync(1);
        await Expect(searcher.GetByTestId("filter-showing")).ToContainTextAsync("1 of ");

        // The address is the filter: whoever opens it sees the same board, search field filled in.
        var colleague = await app.NewSignedInPageAsync("rep@acme.demo");
        await colleague.GotoAsync(new Uri(searcher.Url).PathAndQuery);
        await Expect(colleague.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(colleague.Locator(".kb-column .kb-sortable__item")).ToHaveCountAsync(1);
        await Expect(colleague.GetByTestId("filter-text")).ToHaveValueAsync(token);

        // Cleared, the whole board is back.
        await searcher.GetByTestId("filter-clear").ClickAsync();
        await Expect(searcher.GetByTestId("filter-showing")).ToHaveCountAsync(0);
        await Expect(searcher.GetByTestId("filter-text")).ToHaveValueAsync("");
        await Expect(searcher.Locator(".kb-column .kb-sortable__item")).ToHaveCountAsync(total);
        Assert.DoesNotContain("q=", searcher.Url);
    }

    [Fact]
    public async Task Only_mine_and_a_value_range_narrow_the_board_and_the_board_says_how_many_it_shows()
    {
        var rep = await app.OpenBoardAsync("rep@acme.demo");
        await rep.GetByTestId("filter-mine").ClickAsync();
        await rep.WaitForURLAsync("**mine=1**");
        await Expect(rep.GetByTestId("filter-showing")).ToBeVisibleAsync();
        // Every card shown is the rep's own (a rep may move exactly their own cards).
        await Expect(rep.Locator(".kb-column .kb-sortable__item--locked")).ToHaveCountAsync(0);
        var mine = await rep.Locator(".kb-column .kb-sortable__item").CountAsync();
        Assert.True(mine > 0);

        await rep.GetByTestId("filter-min").FillAsync("50000");
        await rep.WaitForURLAsync("**min=50000**");
        await Expect(rep.Locator(".kb-column .kb-sortable__item")).Not.ToHaveCountAsync(mine);
        var values = await rep.Locator(".kb-column .kb-card__value").AllInnerTextsAsync();
        Assert.All(values, v => Assert.True(decimal.Parse(v.Replace("$", "").Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture) >= 50000, v));
        await Expect(rep.GetByTestId("filter-showing")).ToContainTextAsync($"{values.Count} of ");
    }
}

using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>
/// A stage of 10,000 cards (the bigco tenant's "New", generated at start-up): the page renders a window
/// of it, scrolls through all of it, and drags, drops and keyboard moves work on it, also on cards that
/// were not rendered when the move began.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class BoardAtScaleTests(AppFixture app)
{
    private const string Admin = "admin@bigco.demo";

    private static Task<int> RenderedAsync(ILocator stage) => stage.Cards().CountAsync();

    /// <summary>The size a stage's cards tell assistive technology, once the list's script has numbered them
    /// (aria-setsize and aria-posinset are set in the browser, from the list's data-count and data-start).</summary>
    private static async Task<int> SetSizeAsync(ILocator stage)
    {
        var first = stage.Cards().First;
        await Expect(first).ToHaveAttributeAsync("aria-setsize", new System.Text.RegularExpressions.Regex("^[0-9]+$"));
        return int.Parse(await first.GetAttributeAsync("aria-setsize") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Scrolls the stage to <paramref name="fraction"/> of its height and waits until the window
    /// has followed (a card, not a spacer, sits in the middle of the list, the same one twice running).</summary>
    /// <returns>the id of the card in the middle of the list</returns>
    private static async Task<string> ScrollToAsync(IPage page, ILocator stage, double fraction)
    {
        var list = await stage.ElementHandleAsync();
        await list.EvaluateAsync("(list, f) => list.scrollTop = (list.scrollHeight - list.clientHeight) * f", fraction);
        var settled = await page.WaitForFunctionAsync("""
            list => {
                const box = list.getBoundingClientRect();
                const middle = box.top + box.height / 2;
                let id = '';
                for (const card of list.querySelectorAll(':scope > div > .kb-sortable__item')) {
                    const r = card.getBoundingClientRect();
                    if (r.top - 10 <= middle && middle <= r.bottom + 10) { id = card.dataset.id; break; }
                }
                const settled = id !== '' && list.dataset.probe === id;
                list.dataset.probe = id;
                return settled ? id : null;
            }
            """, list, new() { PollingInterval = 150, Timeout = 15_000 }).ContinueWith(async t =>
            {
                if (t.IsCompletedSuccessfully) return t.Result;
                var state = await list.EvaluateAsync<string>("l => JSON.stringify({ds: {...l.dataset}, st: l.scrollTop, sh: l.scrollHeight, ch: l.clientHeight, n: l.querySelectorAll(':scope > div > .kb-sortable__item').length, first: l.querySelector('[aria-posinset]')?.getAttribute('aria-posinset'), kids: [...l.children].map(c => c.className + ':' + c.offsetTop + ':' + c.offsetHeight).slice(0, 3).concat([...l.children].map(c => c.className + ':' + c.offsetTop + ':' + c.offsetHeight).slice(-2))})");
                throw new InvalidOperationException("not settled: " + state);
            }).Unwrap();
        return await settled.JsonValueAsync<string>();
    }

    [Fact]
    public async Task A_ten_thousand_card_stage_renders_a_window_and_scrolls_to_its_last_card()
    {
        var page = await app.OpenBoardAsync(Admin);
        var errors = page.ConsoleErrors();
        var stage = page.Stage("New");
        var total = await SetSizeAsync(stage);
        Assert.True(total > AppFixture.BigStageCards, $"the stage says it has {total} cards");
        // The header counts the whole stage; the list renders only a window of it.
        await Expect(page.Locator("[data-stage='new'] .kb-column__count")).ToHaveTextAsync(total.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
        Assert.InRange(await RenderedAsync(stage), 5, 60);

        await ScrollToAsync(page, stage, 1);
        var last = stage.Locator($"[aria-posinset='{total}']");
        await Expect(last).ToBeInViewportAsync();
        Assert.InRange(await RenderedAsync(stage), 5, 60);
        // Halfway, a card from the middle of the stage shows there.
        var middle = await ScrollToAsync(page, stage, 0.5);
        var shown = int.Parse(await page.CardById(middle).GetAttributeAsync("aria-posinset") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(shown, total / 4, total * 3 / 4);
        Assert.InRange(await RenderedAsync(stage), 5, 60);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task On_a_tall_screen_the_window_grows_with_what_is_in_view_so_scrolling_shows_cards_not_a_gap()
    {
        var page = await app.OpenBoardAsync(Admin, new() { Width = 1400, Height = 3200 });
        var errors = page.ConsoleErrors();
        var stage = page.Stage("New");
        await SetSizeAsync(stage);

        await ScrollToAsync(page, stage, 0.5);
        // The list's visible part is all cards: the last card rendered reaches past its bottom edge, and so
        // does the first one above its top (a spacer in view would be a blank stretch of the column).
        var gaps = await (await stage.ElementHandleAsync()).EvaluateAsync<double[]>("""
            list => {
                const box = list.getBoundingClientRect();
                const cards = [...list.querySelectorAll(':scope > div > .kb-sortable__item')];
                const top = cards[0].getBoundingClientRect().top, bottom = cards[cards.length - 1].getBoundingClientRect().bottom;
                return [top - box.top, box.bottom - bottom, cards.length, Math.ceil(box.height / cards[0].getBoundingClientRect().height)];
            }
            """);
        Assert.True(gaps[0] <= 0 && gaps[1] <= 0, $"a blank stretch in view: {gaps[0]:F0} px above the first card, {gaps[1]:F0} px below the last ({gaps[2]} rendered, about {gaps[3]} in view)");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_card_dragged_out_of_the_big_stage_and_one_dropped_into_its_middle_land_where_they_were_dropped()
    {
        var page = await app.OpenBoardAsync(Admin);
        var errors = page.ConsoleErrors();
        var big = page.Stage("New");
        var contacted = page.Stage("Contacted");

        // Out of the big stage, from its very end.
        await ScrollToAsync(page, big, 1);
        var total = await SetSizeAsync(big);
        var last = big.Locator($"[aria-posinset='{total}']");
        await Expect(last).ToBeInViewportAsync();
        var lastId = await last.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var sequence = await page.SequenceAsync();
        await page.DragToTopAsync(last, contacted);
        await page.ExpectSavedAfterAsync(sequence);
        await Expect(contacted.Cards().First).ToHaveAttributeAsync("data-id", lastId);
        await Expect(big.Cards().First).ToHaveAttributeAsync("aria-setsize", (total - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Into its middle: right below a card far down the stage.
        var anchorId = await ScrollToAsync(page, big, 0.5);
        var anchor = page.CardById(anchorId);
        var anchorPlace = int.Parse(await anchor.GetAttributeAsync("aria-posinset") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var moving = contacted.Cards().First;
        sequence = await page.SequenceAsync();
        await page.DragBelowAsync(moving, anchor);
        await page.ExpectSavedAfterAsync(sequence);
        var landed = page.CardById(lastId);
        await Expect(landed).ToHaveAttributeAsync("aria-posinset", (anchorPlace + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(big.Locator($"[aria-posinset='{anchorPlace}']")).ToHaveAttributeAsync("data-id", anchorId);

        // After a reload the stage is as the drops left it.
        await page.ReloadAsync();
        await page.Locator("[data-list-id='new']").WaitForAsync();
        Assert.Equal(total, await SetSizeAsync(big));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Alt_arrow_down_on_the_last_rendered_card_moves_it_past_the_window_and_focus_follows()
    {
        var page = await app.OpenBoardAsync(Admin);
        var big = page.Stage("New");
        var rendered = await RenderedAsync(big);
        var card = big.Cards().Nth(rendered - 1);
        var id = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var place = int.Parse(await card.GetAttributeAsync("aria-posinset") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var below = await big.Locator($"[aria-posinset='{place + 1}']").CountAsync();
        Assert.Equal(0, below); // the card it will pass is not rendered yet

        var sequence = await page.SequenceAsync();
        await card.FocusAsync();
        await page.Keyboard.PressAsync("Alt+ArrowDown");
        await page.ExpectSavedAfterAsync(sequence);

        var moved = page.CardById(id);
        await Expect(moved).ToHaveAttributeAsync("aria-posinset", (place + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(moved).ToBeFocusedAsync();
    }
}

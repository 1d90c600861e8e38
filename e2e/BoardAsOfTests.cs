using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>"Board as of": pick a past moment and see the board as it was then, read-only.</summary>
[Collection(AppCollection.Name)]
public sealed class BoardAsOfTests(AppFixture app)
{
    [Fact]
    public async Task A_manager_sees_the_board_as_it_was_before_a_move_read_only_and_goes_back_to_the_live_board()
    {
        var page = await app.OpenBoardAsync("manager@globex.demo");
        var card = page.Stage("Negotiation").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        // A moment (in the browser's time zone) after the card was last touched and before this move.
        var moment = await page.EvaluateAsync<string>("""
            () => { const d = new Date(); const p = n => String(n).padStart(2, '0');
                    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; }
            """);
        await Task.Delay(1500);
        var sequence = await page.SequenceAsync();
        await page.DragToTopAsync(card, page.Stage("Won"));
        await page.ExpectSavedAfterAsync(sequence);

        // The button names itself in a tooltip on hover (and on keyboard focus, the same CSS rule).
        const string Tip = "() => getComputedStyle(document.querySelector('[data-testid=as-of]'), '::after').content";
        Assert.Equal("none", await page.EvaluateAsync<string>(Tip));
        await page.GetByTestId("as-of").HoverAsync();
        Assert.Equal("\"See the board as it was…\"", await page.EvaluateAsync<string>(Tip));
        await page.GetByTestId("as-of").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Date and time").FillAsync(moment);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/board/lead\\?asOf="));
        await Expect(page.GetByTestId("as-of-banner")).ToContainTextAsync("The board as it was on");
        await Expect(page.Stage("Negotiation").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(page.Stage("Won").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Note).Filter(new() { HasText = "View only" })).ToBeVisibleAsync();
        // The move's "Undo" snackbar may still be fading out over the past board.
        AccessibilityTests.AssertNoSeriousViolations(await AccessibilityTests.SettledAxeAsync(page));

        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the live board" }).ClickAsync();
        await Expect(page.Stage("Won").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("as-of-banner")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task On_a_390_pixel_phone_the_past_board_fits_and_its_picker_works_by_keyboard()
    {
        var page = await app.OpenBoardAsync("rep@globex.demo", new() { Width = 390, Height = 844 }, touch: true);
        // By keyboard: the history button is focusable and opens the picker with Enter.
        await page.GetByTestId("as-of").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByLabel("Date and time")).ToBeVisibleAsync();
        AccessibilityTests.AssertNoSeriousViolations(await dialog.RunAxe());
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();

        await Expect(page.GetByTestId("as-of-banner")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Back to the live board" })).ToBeInViewportAsync();
        Assert.Equal(390, await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"));
        AccessibilityTests.AssertNoSeriousViolations(await page.RunAxe());
    }
}

using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>Undo a slip: from the snackbar after a move, from the board's buttons, and with Ctrl+Z /
/// Ctrl+Shift+Z; colleagues see the undo live like any move.</summary>
[Collection(AppCollection.Name)]
public sealed class UndoTests(AppFixture app)
{
    [Fact]
    public async Task A_move_can_be_undone_from_the_snackbar_and_redone_and_undone_again_with_the_keyboard()
    {
        var mover = await app.OpenBoardAsync("admin@globex.demo");
        var colleague = await app.OpenBoardAsync("manager@globex.demo");
        var card = mover.Stage("New").Cards().Nth(1);
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        var title = await mover.CardById(cardId).Locator("h3").InnerTextAsync();
        var place = await mover.Stage("New").Cards().EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.id)");

        await mover.DragToTopAsync(card, mover.Stage("Qualified"));
        await Expect(colleague.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(mover.GetByTestId("undo")).ToHaveAttributeAsync("aria-label", $"Undo: move {title} back to New (Ctrl+Z)");

        // The snackbar, once its fade-in is over, is readable: axe checks its Undo against its background.
        var undo = mover.Locator(".mud-snackbar").GetByRole(AriaRole.Button, new() { Name = "Undo" });
        await Expect(undo).ToBeVisibleAsync();
        AccessibilityTests.AssertNoSeriousViolations(await AccessibilityTests.SettledAxeAsync(mover));

        // The snackbar's Undo puts it back exactly where it was, for everyone.
        await undo.ClickAsync();
        await Expect(mover.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(colleague.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        Assert.Equal(place, await colleague.Stage("New").Cards().EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.id)"));
        await Expect(mover.GetByTestId("redo")).ToHaveAttributeAsync("aria-label", $"Redo: move {title} to Qualified again (Ctrl+Shift+Z)");

        // Ctrl+Shift+Z redoes, Ctrl+Z undoes again.
        await mover.Locator(".kb-board").FocusAsync();
        await mover.Keyboard.PressAsync("Control+Shift+Z");
        await Expect(colleague.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await mover.Keyboard.PressAsync("Control+Z");
        await Expect(colleague.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(mover.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);

        // And it is stored: after a reload the card is where the last undo put it.
        await mover.ReloadAsync();
        await Expect(mover.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);

        // The card's history tells it all, newest first; a colleague (even a viewer) can read it.
        var viewer = await app.OpenBoardAsync("viewer@globex.demo");
        await viewer.CardById(cardId).GetByRole(AriaRole.Button, new() { Name = $"History of {title}" }).ClickAsync();
        var history = viewer.GetByTestId("card-history").GetByRole(AriaRole.Listitem);
        await Expect(history.First).ToContainTextAsync("Avery Globex undid a move: from Qualified back to New");
        await Expect(history.Filter(new() { HasText = "undid a move: from Qualified back to New" })).ToHaveCountAsync(2);
        await Expect(history.Filter(new() { HasText = "Avery Globex redid a move: from New to Qualified" })).ToContainTextAsync("Undone by Avery Globex");
        await Expect(history.Filter(new() { HasText = "Avery Globex moved it from New to Qualified" })).ToContainTextAsync("Undone by Avery Globex");
        AccessibilityTests.AssertNoSeriousViolations(await viewer.GetByRole(AriaRole.Dialog).RunAxe());
    }
}

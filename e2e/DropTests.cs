using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>A drop is either saved or refused with a reason, and the card shows where it really is.</summary>
[Collection(AppCollection.Name)]
public sealed class DropTests(AppFixture app)
{
    [Fact]
    public async Task While_a_card_is_dragged_the_closing_stages_wait_at_the_bottom_of_the_screen_even_when_the_board_is_scrolled_away_from_them()
    {
        var manager = await app.OpenBoardAsync("manager@acme.demo", new() { Width = 1100, Height = 800 });
        var colleague = await app.OpenBoardAsync("admin@acme.demo");
        // Lost is off to the right of this screen.
        var lost = await manager.Locator(".kb-column[data-stage='lost']").BoundingBoxAsync() ?? throw new InvalidOperationException("no Lost stage");
        Assert.True(lost.X > 1100, "the Lost stage is in view; the test needs it out of view");
        await Expect(manager.GetByTestId("drop-zones")).ToBeHiddenAsync();
        var card = manager.Stage("New").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        var sequence = await manager.SequenceAsync();

        var from = await card.BoundingBoxAsync() ?? throw new InvalidOperationException("no card");
        await manager.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + 20);
        await manager.Mouse.DownAsync();
        await manager.Mouse.MoveAsync(from.X + from.Width / 2 + 8, from.Y + 28, new() { Steps = 4 });
        await Expect(manager.GetByTestId("drop-zones")).ToBeVisibleAsync();
        var zone = manager.Locator(".kb-dropzone[data-drop-stage='lost']");
        await Expect(zone).ToContainTextAsync("Lost");
        for (var aim = 0; aim < 8 && await zone.Locator(".sortable-ghost").CountAsync() == 0; aim++)
        {
            var to = await zone.BoundingBoxAsync() ?? throw new InvalidOperationException("no zone");
            await manager.Mouse.MoveAsync(to.X + to.Width / 2 + (aim % 2) * 10, to.Y + to.Height / 2, new() { Steps = 12 });
            await manager.WaitForTimeoutAsync(100);
        }
        await manager.Mouse.UpAsync();

        await manager.ExpectSavedAfterAsync(sequence);
        await Expect(manager.GetByTestId("drop-zones")).ToBeHiddenAsync();
        await Expect(manager.Stage("Lost").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        // The sentinel of a real move: a colleague's board has it at the top of Lost too.
        await Expect(colleague.Stage("Lost").Cards().First).ToHaveAttributeAsync("data-id", cardId);
    }

    [Fact]
    public async Task A_card_a_colleague_moves_with_the_keyboard_while_it_is_being_dragged_is_refused_with_a_reason_and_the_console_stays_clean()
    {
        var rep = await app.OpenBoardAsync("rep@acme.demo");
        var errors = rep.ConsoleErrors();
        var manager = await app.OpenBoardAsync("manager@acme.demo");
        var card = rep.Stage("New").Locator(".kb-sortable__item--movable").First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var sequence = await manager.SequenceAsync();

        await rep.DragToTopAsync(card, rep.Stage("Qualified"), async () =>
        {
            // The rep still holds the card: the manager moves it one stage right with Alt+Arrow.
            await manager.CardById(cardId).FocusAsync();
            await manager.Keyboard.PressAsync("Alt+ArrowRight");
            await manager.ExpectSavedAfterAsync(sequence);
            await Expect(manager.Stage("Contacted").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        });

        await Expect(rep.Locator("main").GetByRole(AriaRole.Alert)).ToContainTextAsync(new Regex("while you were dragging|moved this card to Contacted"));
        await Expect(rep.Stage("Contacted").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(rep.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(0);
        await rep.ReloadAsync();
        await Expect(rep.Stage("Contacted").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_drag_picked_up_before_a_colleagues_move_of_the_same_card_does_not_win_over_it()
    {
        var admin = await app.OpenBoardAsync("admin@acme.demo");
        var manager = await app.OpenBoardAsync("manager@acme.demo");
        var errors = manager.ConsoleErrors();
        var card = manager.Stage("Negotiation").Cards().Last;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var title = await admin.CardById(cardId).Locator("h3").TextContentAsync();
        var sequence = await admin.SequenceAsync();

        await manager.DragToTopAsync(card, manager.Stage("Lost"), async () =>
        {
            // Meanwhile the admin moves the same card to Won with its "Move to…" menu.
            await admin.CardById(cardId).GetByRole(AriaRole.Button, new() { Name = $"Move {title} to…" }).ClickAsync();
            await admin.GetByRole(AriaRole.Menuitem, new() { Name = "Won" }).ClickAsync();
            await admin.ExpectSavedAfterAsync(sequence);
        });

        await Expect(manager.Locator("main").GetByRole(AriaRole.Alert)).ToContainTextAsync(new Regex("while you were dragging|moved this card to Won"));
        await Expect(manager.Stage("Won").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await Expect(manager.Stage("Lost").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(0);
        await admin.ReloadAsync();
        await Expect(admin.Stage("Won").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task While_the_database_is_unreachable_a_drop_is_taken_back_with_a_message_and_the_board_is_exact_once_it_returns()
    {
        var page = await app.OpenBoardAsync("admin@globex.demo");
        var errors = page.ConsoleErrors();
        var card = page.Stage("Qualified").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var elsewhere = await page.Stage("Proposal").Cards().Last.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();

        app.Database.Cut();
        try
        {
            await page.DragToTopAsync(card, page.Stage("Proposal"));
            await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The move could not be saved" })).ToBeVisibleAsync();
            await Expect(page.GetByTestId("database-down")).ToBeVisibleAsync();
            await Expect(page.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
            await Expect(page.Stage("Proposal").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(0);
            // Another instance, still connected, commits a move this one never hears of.
            await app.MoveElsewhereAsync(elsewhere, "manager@globex.demo", "won");
        }
        finally
        {
            app.Database.Restore();
        }

        // Back without a reload: the banner goes, and the board shows what happened meanwhile.
        await Expect(page.GetByTestId("database-down")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        // It went to the end of Won, which may lie past the cards the list renders.
        await page.Stage("Won").ExpectAtTheEndAsync(elsewhere);
        await Expect(page.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);

        var sequence = await page.SequenceAsync();
        await page.DragToTopAsync(page.CardById(cardId), page.Stage("Proposal"));
        await page.ExpectSavedAfterAsync(sequence);
        await page.ReloadAsync();
        await Expect(page.Stage("Proposal").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        Assert.Empty(errors);
    }
}

using Microsoft.Playwright;

namespace KanbanBlazor.E2E;

/// <summary>How a person works the board: find a stage's list and its cards, drag a card with the mouse.</summary>
public static class BoardDriver
{
    public static ILocator Stage(this IPage page, string stageName) =>
        page.GetByRole(AriaRole.List, new() { Name = $"{stageName} cards", Exact = true });

    public static ILocator Cards(this ILocator stage) => stage.GetByRole(AriaRole.Listitem);

    public static ILocator CardById(this IPage page, string cardId) => page.Locator($"[data-id='{cardId}']");

    /// <summary>Waits (up to 15 s) until the stage shows the card at its end: a long stage renders only a
    /// window of its cards, so the list is scrolled to its end before each look.</summary>
    public static async Task ExpectAtTheEndAsync(this ILocator stage, string cardId)
    {
        var card = stage.Locator($"[data-id='{cardId}']");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await card.CountAsync() == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Card {cardId} never showed at the end of the stage.");
            await stage.EvaluateAsync("list => list.scrollTop = list.scrollHeight");
            await Task.Delay(200); // the window follows the scroll after a round trip
        }
    }

    /// <summary>Collects what the page reports as errors (console errors and uncaught exceptions) from now on.</summary>
    public static List<string> ConsoleErrors(this IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (errors) errors.Add(message.Text);
        };
        page.PageError += (_, error) =>
        {
            lock (errors) errors.Add(error);
        };
        return errors;
    }

    /// <summary>Opens the user menu in the app bar (name, role, organisation, language, theme, sign out).</summary>
    public static async Task OpenUserMenuAsync(this IPage page)
    {
        // A click before the page is interactive would be lost.
        await page.Locator("main[data-interactive]").WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^(Account menu|Menu da conta)") }).ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.Locator("form[action='/account/logout'] button")).ToBeVisibleAsync();
        // Open once the menu script has taken focus into it.
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("user-menu").Locator(":focus")).ToHaveCountAsync(1);
    }

    /// <summary>The signed-in user's role and organisation as the user menu shows them ("Manager · Acme Corporation").</summary>
    public static ILocator RoleAndOrganisation(this IPage page) => page.Locator(".kb-user-menu__role");

    /// <summary>Waits until the board is shown and its cards can be dragged and moved by keyboard: every
    /// list has its SortableJS attached (a viewer's board has nothing to drag).</summary>
    public static async Task WaitUntilDraggableAsync(this IPage page)
    {
        await page.Locator("[data-list-id='new']").WaitForAsync();
        await page.WaitForFunctionAsync(@"() => document.querySelector('.kb-sortable__item--movable') === null
            || [...document.querySelectorAll('.kb-sortable')].every(list => list.dataset.sortable === 'ready')");
    }

    public static async Task<long> SequenceAsync(this IPage page) =>
        long.Parse(await page.GetByTestId("board-sequence").GetAttributeAsync("data-sequence") ?? "0");

    /// <summary>Waits until the board has taken a change after <paramref name="sequence"/>: for the
    /// mover, that the server has saved their move.</summary>
    public static Task ExpectSavedAfterAsync(this IPage page, long sequence) =>
        Microsoft.Playwright.Assertions.Expect(page.GetByTestId("board-sequence"))
            .Not.ToHaveAttributeAsync("data-sequence", sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Drags <paramref name="card"/> to the top of <paramref name="targetStage"/>.
    /// <paramref name="beforeRelease"/> runs with the button still down, just before the drop.</summary>
    public static async Task DragToTopAsync(this IPage page, ILocator card, ILocator targetStage, Func<Task>? beforeRelease = null)
    {
        // The board scrolls sideways when its stages do not all fit: bring both into view.
        await targetStage.ScrollIntoViewIfNeededAsync();
        await PickUpAsync(page, card);
        var to = await targetStage.BoundingBoxAsync() ?? throw new InvalidOperationException("The stage is not visible.");
        await page.Mouse.MoveAsync(to.X + to.Width / 2, to.Y + 12, new() { Steps = 20 });
        await page.Mouse.MoveAsync(to.X + to.Width / 2, to.Y + 8, new() { Steps = 3 });
        if (beforeRelease is not null) await beforeRelease();
        await page.Mouse.UpAsync();
    }

    /// <summary>Drags <paramref name="card"/> to just below <paramref name="target"/> (a card of any stage).</summary>
    public static async Task DragBelowAsync(this IPage page, ILocator card, ILocator target)
    {
        await PickUpAsync(page, card);
        var to = await target.BoundingBoxAsync() ?? throw new InvalidOperationException("The target card is not visible.");
        await page.Mouse.MoveAsync(to.X + to.Width / 2, to.Y + to.Height * 0.5f, new() { Steps = 20 });
        // The placeholder entering the list pushes the target about: like a person watching it, aim at the
        // target's lower part until the placeholder shows right below it.
        var targetId = await target.GetAttributeAsync("data-id");
        for (var aim = 0; aim < 8; aim++)
        {
            var below = await page.EvaluateAsync<bool>("""
                id => {
                    let node = document.querySelector('.sortable-ghost')?.previousElementSibling;
                    while (node && !node.firstElementChild?.classList.contains('kb-sortable__item')) node = node.previousElementSibling;
                    return node?.firstElementChild.dataset.id === id;
                }
                """, targetId);
            if (below) break;
            to = await target.BoundingBoxAsync() ?? throw new InvalidOperationException("The target card is not visible.");
            await page.Mouse.MoveAsync(to.X + to.Width / 2, to.Y + to.Height * (aim % 2 == 0 ? 0.85f : 0.6f), new() { Steps = 4 });
        }
        await page.Mouse.UpAsync();
    }

    /// <summary>Presses on <paramref name="card"/> and moves a little, so that the drag has begun.</summary>
    private static async Task PickUpAsync(IPage page, ILocator card)
    {
        await card.ScrollIntoViewIfNeededAsync();
        var from = await card.BoundingBoxAsync() ?? throw new InvalidOperationException("The card is not visible.");
        var x = from.X + from.Width / 2;
        var y = from.Y + Math.Min(20, from.Height / 2);
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x + 8, y + 8, new() { Steps = 4 });
    }
}

using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

[Collection(AppCollection.Name)]
public sealed class LiveBoardTests(AppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task A_colleague_sees_a_dragged_card_move_without_reloading_and_another_tenant_sees_nothing()
    {
        var mover = await app.OpenBoardAsync("admin@acme.demo");
        var colleague = await app.OpenBoardAsync("manager@acme.demo");
        var otherTenant = await app.OpenBoardAsync("admin@globex.demo");
        var otherTenantSequence = await otherTenant.SequenceAsync();

        var card = mover.Stage("New").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        // What a screen reader says of the card, but for its age in its stage (fresh in the new one).
        var title = System.Text.RegularExpressions.Regex.Replace(await card.GetAttributeAsync("aria-label") ?? "", @", \d+ days in this stage, longer than the usual \d+", "");
        await Expect(colleague.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);

        var seenAt = await LiveLatency.WatchForAsync(colleague, cardId, "contacted");
        double droppedAt = 0;
        await mover.DragToTopAsync(card, mover.Stage("Contacted"), async () => droppedAt = await LiveLatency.NowAsync(mover));

        await Expect(mover.Stage("Contacted").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        await Expect(colleague.Stage("Contacted").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        await Expect(colleague.Stage("Contacted").Cards().First).ToHaveAccessibleNameAsync(title);
        await Expect(colleague.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(0);
        output.WriteLine($"drop to colleague's screen: {await seenAt() - droppedAt:F1} ms");

        // The other tenant's board neither shows the card nor received any change.
        Assert.Equal(0, await otherTenant.CardById(cardId).CountAsync());
        Assert.Equal(otherTenantSequence, await otherTenant.SequenceAsync());

        // The move was stored: after a reload it is still there, at the top.
        await colleague.ReloadAsync();
        await Expect(colleague.Stage("Contacted").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        await colleague.ScreenshotAsync(new() { Path = Screenshots.PathFor("lead-board.png") });
    }

    [Fact]
    public async Task A_move_from_an_out_of_date_board_is_refused_with_who_moved_the_card_where_and_the_board_refreshes()
    {
        var page = await app.OpenBoardAsync("admin@acme.demo");
        var card = page.Stage("Negotiation").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        await app.MoveElsewhereAsync(cardId, "manager@acme.demo", "proposal");

        await page.DragToTopAsync(card, page.Stage("Won"));

        await Expect(page.Locator("main").GetByRole(AriaRole.Alert)).ToContainTextAsync("Morgan Acme moved this card to Proposal at");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("stale-move.png") });
        AccessibilityTests.AssertNoSeriousViolations(await page.GetByRole(AriaRole.Alert).RunAxe());
        // Moved elsewhere to the end of Proposal, which may lie past the cards the list renders.
        await page.Stage("Proposal").ExpectAtTheEndAsync(cardId);
        Assert.Equal(0, await page.Stage("Won").Locator($"[data-id='{cardId}']").CountAsync());
        await page.ReloadAsync();
        await page.Stage("Proposal").ExpectAtTheEndAsync(cardId);
    }

    [Fact]
    public async Task A_board_that_missed_a_change_reloads_instead_of_drifting()
    {
        var watcher = await app.OpenBoardAsync("manager@acme.demo");
        var mover = await app.OpenBoardAsync("admin@acme.demo");
        var missed = await watcher.Stage("Proposal").Cards().Last.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var sequence = await watcher.SequenceAsync();
        await app.MoveElsewhereAsync(missed, "admin@acme.demo", "lost");

        var card = mover.Stage("New").Cards().First;
        var moved = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        await mover.DragToTopAsync(card, mover.Stage("Contacted"));

        // The live change arrives numbered past one the watcher never heard of: it reloads and shows both.
        await Expect(watcher.Stage("Contacted").Locator($"[data-id='{moved}']")).ToHaveCountAsync(1);
        await watcher.Stage("Lost").ExpectAtTheEndAsync(missed);
        var stored = await app.ScalarAsync<long>(
            "SELECT k.sequence FROM kanban_configs k JOIN tenants t ON t.id = k.tenant_id WHERE t.slug = 'acme' AND k.entity_type = 'lead'");
        Assert.True(stored >= sequence + 2, $"{stored} after {sequence}");
        await Expect(watcher.GetByTestId("board-sequence")).ToHaveAttributeAsync("data-sequence", stored.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Closing_a_board_ends_its_live_subscription()
    {
        // Other tests' boards may still be ending (a circuit that lost its page is kept a while for
        // a reconnect): count from a settled figure, and allow it to fall further, never to stay up.
        var before = await SettledLiveViewersAsync();
        var page = await app.OpenBoardAsync("rep@acme.demo");
        var open = await LiveViewersAsync();
        Assert.True(open >= 1 && open >= before, $"opening the board subscribed it ({before} before, {open} after)");

        await page.CloseAsync(new() { RunBeforeUnload = true });

        var deadline = DateTime.UtcNow.AddSeconds(15);
        var now = await LiveViewersAsync();
        while (now >= open && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100); // waiting for the server to dispose the circuit, not for time to pass
            now = await LiveViewersAsync();
        }
        Assert.True(now < open, $"{open} board views before closing the page, {now} after");
    }

    /// <summary>The number of open board views once it has stopped changing for a second.</summary>
    private async Task<int> SettledLiveViewersAsync()
    {
        var last = await LiveViewersAsync();
        for (var stable = 0; stable < 10;)
        {
            await Task.Delay(100); // sampling a figure the server changes by itself
            var now = await LiveViewersAsync();
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
        return last;
    }

    private IAPIRequestContext? api;

    private async Task<int> LiveViewersAsync()
    {
        // How busy the app is, only a signed-in user may see.
        api ??= await app.SignedInApiAsync("admin@acme.demo");
        using var health = System.Text.Json.JsonDocument.Parse(await (await api.GetAsync("/healthz")).TextAsync());
        return health.RootElement.GetProperty("checks").GetProperty("live").GetProperty("data").GetProperty("viewers").GetInt32();
    }

    [Fact]
    public async Task Reordering_cards_within_a_stage_is_kept_after_a_reload()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo");
        var stage = page.Stage("Qualified");
        var third = stage.Cards().Nth(2);
        var cardId = await third.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var countBefore = await stage.Cards().CountAsync();
        var sequence = await page.SequenceAsync();

        await page.DragToTopAsync(third, stage);

        await Expect(stage.Cards().First).ToHaveAttributeAsync("data-id", cardId);
        await page.ExpectSavedAfterAsync(sequence);
        await page.ReloadAsync();
        await Expect(page.Stage("Qualified").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        Assert.Equal(countBefore, await page.Stage("Qualified").Cards().CountAsync());
    }

    [Fact]
    public async Task A_card_can_be_moved_with_the_keyboard_and_keeps_focus()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo");
        var card = page.Stage("Proposal").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();

        var sequence = await page.SequenceAsync();
        await card.FocusAsync();
        await page.Keyboard.PressAsync("Alt+ArrowRight");
        await Expect(page.Stage("Negotiation").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        await Expect(page.Stage("Negotiation").Cards().First).ToBeFocusedAsync();
        await page.ExpectSavedAfterAsync(sequence);
        var afterFirst = await page.SequenceAsync(); // one more if the move also warned of the WIP limit

        await page.Keyboard.PressAsync("Alt+ArrowDown");
        await Expect(page.Stage("Negotiation").Cards().Nth(1)).ToHaveAttributeAsync("data-id", cardId);
        await Expect(page.Stage("Negotiation").Cards().Nth(1)).ToBeFocusedAsync();
        await page.ExpectSavedAfterAsync(afterFirst);
        Assert.Equal(0, await page.Locator("main").GetByRole(AriaRole.Alert).CountAsync()); // no refusal (the snackbar offering Undo is not in main)

        await page.ReloadAsync();
        await Expect(page.Stage("Negotiation").Cards().Nth(1)).ToHaveAttributeAsync("data-id", cardId);
    }

    [Fact]
    public async Task A_viewer_has_no_drag_handles_and_cannot_move_a_card()
    {
        var viewer = await app.OpenBoardAsync("viewer@acme.demo");
        await Expect(viewer.GetByRole(AriaRole.Note).Filter(new() { HasText = "View only" })).ToBeVisibleAsync();
        await Expect(viewer.Locator(".kb-sortable__item--movable")).ToHaveCountAsync(0);

        var card = viewer.Stage("Qualified").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id");
        var sequence = await viewer.SequenceAsync();
        await viewer.DragToTopAsync(card, viewer.Stage("Proposal"));

        await Expect(viewer.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        await viewer.ReloadAsync();
        await Expect(viewer.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        Assert.Equal(0, await viewer.Stage("Proposal").Locator($"[data-id='{cardId}']").CountAsync());
        Assert.Equal(sequence, await viewer.SequenceAsync());
    }

    [Fact]
    public async Task A_sales_rep_can_drag_only_their_own_cards()
    {
        var rep = await app.OpenBoardAsync("rep@acme.demo");
        await Expect(rep.Locator(".kb-sortable__item--movable").First).ToBeVisibleAsync();
        var movable = await rep.Locator(".kb-sortable__item--movable").CountAsync();
        var all = await rep.GetByRole(AriaRole.Listitem).CountAsync();
        Assert.InRange(movable, 1, all - 1);
        var owners = await rep.Locator(".kb-sortable__item--movable .kb-card__owner").AllInnerTextsAsync();
        Assert.All(owners, owner => Assert.Equal("Riley Acme", owner));
    }

    [Fact]
    public async Task Signing_out_returns_to_the_sign_in_page_and_says_so()
    {
        var page = await app.OpenBoardAsync("viewer@globex.demo");
        await page.OpenUserMenuAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" }).ClickAsync();
        app.ForgetSignIn("viewer@globex.demo");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("You have signed out.");
        await page.GotoAsync("/board/lead");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
    }

    [Fact]
    public async Task Signing_out_ends_every_session_of_the_user_and_closes_their_other_open_boards_at_once()
    {
        // Two tabs on the same sign-in (the same cookie: as good as one copied before signing out).
        var board = await app.OpenBoardAsync("rep@globex.demo");
        var other = await board.Context.NewPageAsync();
        await other.GotoAsync("/board/lead");
        await Expect(other.Stage("New")).ToBeVisibleAsync();
        var api = board.Context.APIRequest;
        Assert.Equal(200, (await api.GetAsync("/api/v1/kanban/board/lead")).Status);
        var copied = await board.Context.CookiesAsync();

        await other.OpenUserMenuAsync();
        await other.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" }).ClickAsync();
        app.ForgetSignIn("rep@globex.demo");
        await Expect(other.GetByRole(AriaRole.Status)).ToHaveTextAsync("You have signed out.");

        // The board left open elsewhere is closed within seconds, without anyone touching it.
        await Expect(board).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"), new() { Timeout = 10_000 });
        // And the cookie as it was before signing out opens nothing any more.
        var replay = await app.NewContextAsync(new() { BaseURL = app.BaseUrl });
        await replay.AddCookiesAsync(copied.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        Assert.Equal(401, (await replay.APIRequest.GetAsync("/api/v1/kanban/board/lead", new() { MaxRedirects = 0 })).Status);
        var page = await replay.NewPageAsync();
        await page.GotoAsync("/board/lead");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
    }

    [Fact]
    public async Task Next_action_times_show_in_the_browsers_time_zone()
    {
        var page = await app.OpenBoardAsync("manager@globex.demo");
        var due = page.Locator(".kb-card__next time").First;
        var stored = DateTimeOffset.Parse(await due.GetAttributeAsync("datetime") ?? throw new InvalidOperationException(), System.Globalization.CultureInfo.InvariantCulture);
        var berlin = TimeZoneInfo.ConvertTime(stored, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        await Expect(due).ToHaveTextAsync(berlin.ToString("d MMM HH:mm", System.Globalization.CultureInfo.GetCultureInfo("en-US")));
    }

    [Fact]
    public async Task Signing_in_with_a_wrong_password_says_so_and_stays_on_the_sign_in_page()
    {
        var page = await app.NewAnonymousPageAsync();
        await AppFixture.SignInAsync(page, "rep@acme.demo", "not-the-password");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The email or password is not right.");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("sign-in-error.png") });
    }

    [Fact]
    public async Task The_board_asks_an_anonymous_visitor_to_sign_in()
    {
        var page = await app.NewAnonymousPageAsync();
        await page.GotoAsync("/board/lead");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
    }
}

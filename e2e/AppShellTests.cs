using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

[Collection(AppCollection.Name)]
public sealed class AppShellTests(AppFixture app)
{
    [Theory]
    [InlineData("/admin")]
    [InlineData("/metrics")]
    [InlineData("/board")]
    [InlineData("/board/LEAD")]
    [InlineData("/account/logout")]
    public async Task An_unknown_address_answers_the_styled_not_found_page_with_a_way_back(string path)
    {
        var page = await app.OpenBoardAsync("rep@acme.demo");
        var response = await page.GotoAsync(path);

        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        await Expect(page.Locator("link[href*='MudBlazor']")).ToHaveCountAsync(1);
        // As a person would: once the page has finished loading (a click while Blazor's script is still
        // starting can be taken by it and dropped).
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.GetByRole(AriaRole.Link, new() { Name = "Go to the lead board" }).ClickAsync();
        await Expect(page.Stage("New")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_signed_in_user_who_opens_the_sign_in_page_is_sent_to_their_board()
    {
        var page = await app.OpenBoardAsync("viewer@acme.demo");
        await page.GotoAsync("/account/login");
        await Expect(page).ToHaveURLAsync(new Regex("/board/lead$"));
        await Expect(page.Stage("New")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_failed_sign_in_never_echoes_the_password_back_into_the_page()
    {
        var page = await app.NewAnonymousPageAsync();
        await AppFixture.SignInAsync(page, "rep@acme.demo", "Secret-typed-by-mistake-42");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The email or password is not right.");

        Assert.DoesNotContain("Secret-typed-by-mistake-42", await page.ContentAsync());
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
        await Expect(page.GetByLabel("Email")).ToHaveValueAsync("rep@acme.demo");
    }

    [Fact]
    public async Task The_sign_in_page_speaks_the_browsers_language_and_the_choice_sticks()
    {
        var context = await app.NewContextAsync(new() { BaseURL = app.BaseUrl, Locale = "pt-BR" });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Entrar" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Senha")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Entrar" })).ToBeVisibleAsync();
        Assert.Equal("pt-BR", await page.Locator("html").GetAttributeAsync("lang"));

        // Choosing English on the page wins over the browser's language, on this and later pages.
        await page.GetByRole(AriaRole.Button, new() { Name = "English" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GetByLabel("Email").FillAsync("manager@globex.demo");
        await page.GetByLabel("Password").FillAsync(AppFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Stage("Negotiation")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_user_who_chooses_portuguese_gets_the_board_in_portuguese_on_every_device()
    {
        var page = await app.OpenBoardAsync("consultant@kanban.demo");
        await page.OpenUserMenuAsync();
        await page.GetByRole(AriaRole.Menuitemradio, new() { Name = "Português (Brasil)" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Cartões em Negociação" })).ToBeVisibleAsync();
        await Expect(page.Locator(".kb-column__value").First).ToContainTextAsync("US$");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Leads", Exact = true })).ToBeVisibleAsync();

        // Another device (a fresh browser) signs in and gets the same language.
        var other = await app.NewAnonymousPageAsync();
        await AppFixture.SignInAsync(other, "consultant@kanban.demo", AppFixture.Password);
        await Expect(other.GetByRole(AriaRole.List, new() { Name = "Cartões em Negociação" })).ToBeVisibleAsync();

        // Back to English, so the shared demo user stays as the other tests expect.
        await page.OpenUserMenuAsync();
        await page.GetByRole(AriaRole.Menuitemradio, new() { Name = "English" }).ClickAsync();
        await Expect(page.Stage("Negotiation")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task On_a_390_pixel_phone_only_the_board_scrolls_sideways_and_the_drawer_is_folded_away()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo", new() { Width = 390, Height = 844 }, touch: true);

        Assert.Equal(390, await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"));
        Assert.True(await page.EvaluateAsync<bool>("() => { const b = document.querySelector('.kb-board'); return b.scrollWidth > b.clientWidth; }"));
        var bar = await page.Locator(".mud-appbar").BoundingBoxAsync();
        Assert.True(bar!.Width <= 390);
        await Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Account menu") })).ToBeInViewportAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Leads" })).Not.ToBeInViewportAsync();

        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Open or close the navigation" });
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await toggle.ClickAsync();
        var leads = page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Leads" });
        await Expect(leads).ToBeInViewportAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(leads).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.Locator("#kb-drawer")).ToHaveJSPropertyAsync("offsetLeft", 0); // slid all the way in
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor("phone-drawer.png") });

        // Escape folds it away and gives the focus back to its button; the button opens it again.
        await page.Keyboard.PressAsync("Escape");
        await Expect(leads).Not.ToBeInViewportAsync();
        await Expect(toggle).ToBeFocusedAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await page.Keyboard.PressAsync("Enter");
        await Expect(leads).ToBeInViewportAsync();

        // A link taken folds the drawer away again (out of view, and out of the keyboard's and screen
        // readers' reach), and the new page's link is the current one. (Board to board stays in the same
        // circuit and layout, so only the fold explains it.)
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Opportunities" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/board/opportunity$"));
        await Expect(leads).Not.ToBeVisibleAsync();
        leads = page.Locator("#kb-drawer a[href='/board/lead']");
        var opportunities = page.Locator("#kb-drawer a[href='/board/opportunity']");
        await Expect(leads).Not.ToBeInViewportAsync();
        await Expect(opportunities).ToHaveAttributeAsync("aria-current", "page");
        await Expect(leads).Not.ToHaveAttributeAsync("aria-current", "page");
    }

    [Fact]
    public async Task On_a_wide_screen_the_drawer_lies_beside_the_board_and_folding_it_gives_the_board_its_room()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo", new() { Width = 1280, Height = 800 });
        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Open or close the navigation" });
        var leads = page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Leads" });
        var main = page.Locator("main.kb-main");
        await Expect(leads).ToBeInViewportAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        var beside = await main.BoundingBoxAsync() ?? throw new InvalidOperationException();
        Assert.True(beside.X >= 200, $"the page starts at {beside.X} px, under the drawer");

        await toggle.ClickAsync();
        await Expect(leads).Not.ToBeVisibleAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(main).ToHaveJSPropertyAsync("offsetLeft", 0);
        // Another page (in the same circuit) keeps it folded.
        await page.GetByRole(AriaRole.Link, new() { Name = "KanbanBlazor" }).ClickAsync();
        await Expect(page.Stage("New")).ToBeVisibleAsync();
        await Expect(leads).Not.ToBeVisibleAsync();

        // A page loaded anew starts with the drawer open, and its button folds and opens it from the keyboard.
        await page.ReloadAsync();
        await Expect(page.Stage("New")).ToBeVisibleAsync();
        await Expect(leads).ToBeInViewportAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await toggle.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(leads).Not.ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(leads).ToBeInViewportAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
    }

    [Fact]
    public async Task On_touch_a_vertical_swipe_scrolls_the_column_and_never_moves_a_card()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo", new() { Width = 390, Height = 844 }, touch: true);
        var list = page.Stage("New");
        var card = list.Cards().Nth(1);
        var cardId = await card.GetAttributeAsync("data-id");
        var sequence = await page.SequenceAsync();
        var box = await card.BoundingBoxAsync() ?? throw new InvalidOperationException();

        // A quick upward swipe starting on a card, as a thumb does. The page notes when the finger
        // went down and first moved: past the long-press delay (350 ms) a held finger rightly starts
        // a drag, so a swipe that a busy test machine slowed down that much is swiped again.
        await page.EvaluateAsync(@"() => {
            window.kbSwipe = {};
            addEventListener('touchstart', () => { window.kbSwipe = { start: performance.now() }; }, { capture: true, passive: true });
            addEventListener('touchmove', () => { window.kbSwipe.move ??= performance.now(); }, { capture: true, passive: true });
        }");
        var cdp = await page.Context.NewCDPSessionAsync(page);
        var x = box.X + box.Width / 2;
        var y = box.Y + box.Height / 2;
        Task Touch(string type, double dy) => cdp.SendAsync("Input.dispatchTouchEvent", new()
        {
            ["type"] = type,
            ["touchPoints"] = type == "touchEnd" ? Array.Empty<object>() : new[] { new Dictionary<string, object> { ["x"] = x, ["y"] = y + dy } },
        });
        var pause = 0.0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            sequence = await page.SequenceAsync();
            await Touch("touchStart", 0);
            for (var step = 1; step <= 10; step++)
                await Touch("touchMove", -step * 30);
            await Touch("touchEnd", 0);
            pause = await page.EvaluateAsync<double>("() => window.kbSwipe.move - window.kbSwipe.start");
            if (pause < 250)
                break;
            // A long press may have dragged the card: let it settle before swiping again.
            await Expect(page.Locator(".sortable-fallback, .sortable-chosen")).ToHaveCountAsync(0);
            await page.EvaluateAsync("() => document.querySelector(\"[data-list-id='new']\").scrollTop = 0");
        }
        Assert.True(pause < 250, $"The test machine took {pause:0} ms between touching and moving: that is a long press, not a swipe.");

        // The sentinel: the column did scroll. Only then: nothing moved.
        var scrolled = await page.WaitForFunctionAsync(
            "() => document.querySelector(\"[data-list-id='new']\").scrollTop > 0",
            null, new() { Timeout = 10_000 }).ContinueWith(t => t.IsCompletedSuccessfully);
        Assert.True(scrolled, $"The column did not scroll (finger down to first move {pause:0} ms); a drag had begun: "
            + await page.Locator(".sortable-fallback, .sortable-chosen").CountAsync()
            + $", board sequence before {sequence}, now " + await page.SequenceAsync());
        Assert.Equal(1, await list.Locator($"[data-id='{cardId}']").CountAsync());
        Assert.Equal(sequence, await page.SequenceAsync());
        Assert.Equal(0, await page.Locator(".sortable-fallback, .sortable-chosen").CountAsync());
    }

    [Fact]
    public async Task A_card_can_be_moved_with_the_move_to_menu_using_only_the_keyboard()
    {
        var page = await app.OpenBoardAsync("admin@globex.demo");
        var card = page.Stage("Contacted").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        var sequence = await page.SequenceAsync();

        await card.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Move .* to…$") }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var target = page.GetByRole(AriaRole.Menuitem, new() { Name = "Negotiation" });
        await Expect(target).ToBeVisibleAsync();
        // Arrow keys walk the menu (focus starts on its first stage); Enter chooses. Each step waits for the
        // focus to move, so a slow machine does not walk past the target.
        for (var step = 0; step < 8 && !await target.EvaluateAsync<bool>("e => e === document.activeElement"); step++)
        {
            var before = await page.EvaluateHandleAsync("() => document.activeElement");
            await page.Keyboard.PressAsync("ArrowDown");
            await page.WaitForFunctionAsync("before => document.activeElement !== before", before);
        }
        await Expect(target).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Stage("Negotiation").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        await page.ExpectSavedAfterAsync(sequence);
        await Expect(page.Locator(".kb-sr-only[aria-live=polite]")).ToHaveTextAsync("Moved to Negotiation, position 1.");
        await page.ReloadAsync();
        await Expect(page.Stage("Negotiation").Cards().First).ToHaveAttributeAsync("data-id", cardId);
    }
}

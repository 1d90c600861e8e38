using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>axe-core on the screens people use every day, in both languages and both themes:
/// no serious or critical violations.</summary>
[Collection(AppCollection.Name)]
public sealed class AccessibilityTests(AppFixture app)
{
    public static TheoryData<string, bool> LanguagesAndThemes => new() { { "en-US", false }, { "en-US", true }, { "pt-BR", false }, { "pt-BR", true } };

    [Theory]
    [MemberData(nameof(LanguagesAndThemes))]
    public async Task The_lead_board_and_its_menus_have_no_serious_accessibility_violations(string locale, bool dark)
    {
        var page = await app.OpenBoardAsync("rep@acme.demo", locale: locale, dark: dark);
        Assert.Equal(locale, await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal(dark, await page.EvaluateAsync<bool>("() => getComputedStyle(document.body).backgroundColor !== 'rgb(244, 245, 247)'"));
        AssertNoSeriousViolations(await page.RunAxe());

        // The menus open in popovers: checked on their own (the board around them was checked above).
        await page.OpenUserMenuAsync();
        AssertNoSeriousViolations(await page.GetByTestId("user-menu").RunAxe());
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor($"user-menu-{locale}-{(dark ? "dark" : "light")}.png") });
        // The arrow keys walk it from the first item (focus went there) and wrap; Escape closes it and focus
        // goes back to its button; then the card menu is checked alone.
        var items = page.GetByTestId("user-menu").Locator("[role^=menuitem]");
        await Expect(items.First).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowUp");
        await Expect(items.Last).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("user-menu")).ToHaveCountAsync(0);
        var menuButton = page.Locator(".kb-user-menu-button button");
        await Expect(menuButton).ToBeFocusedAsync();
        await Expect(menuButton).ToHaveAttributeAsync("aria-expanded", "false");

        var movable = page.Locator(".kb-sortable__item--movable").First;
        await movable.Locator("button.kb-card__move").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem).First).ToBeFocusedAsync();
        AssertNoSeriousViolations(await page.GetByRole(AriaRole.Menu).RunAxe());
        await page.ScreenshotAsync(new() { Path = Screenshots.PathFor($"board-{locale}-{(dark ? "dark" : "light")}.png") });
    }

    [Theory]
    [MemberData(nameof(LanguagesAndThemes))]
    public async Task The_sign_in_page_has_no_serious_accessibility_violations(string locale, bool dark)
    {
        var context = await app.NewContextAsync(new() { BaseURL = app.BaseUrl, Locale = locale });
        if (dark) await context.AddCookiesAsync([new() { Name = "kb.theme", Value = "dark", Url = app.BaseUrl }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        AssertNoSeriousViolations(await page.RunAxe());

        await page.Locator("button[type=submit].kb-submit").ClickAsync(); // empty form: the field errors show
        await Expect(page.Locator(".kb-field-error").First).Not.ToBeEmptyAsync();
        AssertNoSeriousViolations(await page.RunAxe());
    }

    [Fact]
    public async Task The_not_found_page_and_the_phone_board_have_no_serious_accessibility_violations()
    {
        var page = await app.OpenBoardAsync("viewer@globex.demo", new() { Width = 390, Height = 844 }, touch: true);
        AssertNoSeriousViolations(await page.RunAxe());
        await page.GotoAsync("/no-such-page");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        AssertNoSeriousViolations(await page.RunAxe());
    }

    /// <summary>axe on the page once its snackbars have finished fading in or out: halfway through a fade,
    /// text is half transparent and axe rightly reports its contrast.</summary>
    internal static async Task<AxeResult> SettledAxeAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.mud-snackbar')].every(s => s.getAnimations({ subtree: true }).every(a => a.playState !== 'running'))");
        return await page.RunAxe();
    }

    internal static void AssertNoSeriousViolations(AxeResult result)
    {
        var serious = result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html}"))}")
            .ToList();
        Assert.True(serious.Count == 0, string.Join(Environment.NewLine, serious));
    }
}

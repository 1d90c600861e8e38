using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

[Collection(AppCollection.Name)]
public sealed class SecurityHeadersTests(AppFixture app)
{
    [Fact]
    public async Task Pages_forbid_framing_sniffing_and_foreign_scripts()
    {
        var page = await app.NewAnonymousPageAsync();
        var response = await page.GotoAsync("/account/login");
        var headers = await response!.AllHeadersAsync();
        Assert.Contains("script-src 'self'", headers["content-security-policy"]);
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        Assert.Equal("DENY", headers["x-frame-options"]);
    }

    [Fact]
    public async Task A_script_injected_into_a_page_does_not_run()
    {
        var page = await app.NewAnonymousPageAsync();
        await page.GotoAsync("/account/login");

        // As an injected <script> would be: inline, from the page itself. The browser refuses it and says why.
        var refusal = await page.RunAndWaitForConsoleMessageAsync(() => page.EvaluateAsync(@"() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.appendChild(script);
        }"), new() { Predicate = message => message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) });

        Assert.Contains("inline script", refusal.Text);
        Assert.False(await page.EvaluateAsync<bool>("() => window.injected === true"));
    }

    [Fact]
    public async Task The_live_board_works_under_the_content_security_policy()
    {
        var violations = new List<string>();
        var state = await app.OpenBoardAsync("admin@globex.demo");
        var page = await state.Context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add(message.Text);
        };
        await page.GotoAsync("/board/lead");
        await Expect(page.Stage("Won")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.kb-sortable')].every(l => l.dataset.sortable === 'ready')");
        var sequence = await page.SequenceAsync();
        var card = page.Stage("Won").Cards().First;
        await page.DragToTopAsync(card, page.Stage("Lost"));
        await page.ExpectSavedAfterAsync(sequence);

        Assert.Empty(violations);
    }
}

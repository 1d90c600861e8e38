using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>The .NET 10 reconnect experience: a short outage resumes the circuit and shows what was
/// missed; a server restart reloads the page by itself once the server is back.</summary>
[Collection(AppCollection.Name)]
public sealed class ReconnectTests(AppFixture app)
{
    [Fact]
    public async Task After_a_short_network_outage_the_board_resumes_and_shows_the_moves_it_missed()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo", baseUrl: app.NetworkUrl);
        var colleague = await app.OpenBoardAsync("admin@acme.demo");
        var card = colleague.Stage("Proposal").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        // Set in this page only: still there afterwards means the page was not reloaded.
        await page.EvaluateAsync("() => window.kbBeforeOutage = true");
        var sequence = await colleague.SequenceAsync();

        app.Network.Cut();
        try
        {
            await Expect(page.Locator("#components-reconnect-modal")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry now" })).ToBeVisibleAsync();
            await colleague.DragToTopAsync(card, colleague.Stage("Negotiation"));
            await colleague.ExpectSavedAfterAsync(sequence);
        }
        finally
        {
            app.Network.Restore();
        }

        await Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync(new() { Timeout = 20_000 });
        await Expect(page.Stage("Negotiation").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("() => window.kbBeforeOutage === true"));
    }

    [Fact]
    public async Task After_a_network_outage_the_board_catches_up_from_the_log_on_moves_it_never_heard_of()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo", baseUrl: app.NetworkUrl);
        var cardId = await page.Stage("Qualified").Cards().First.GetAttributeAsync("data-id") ?? throw new InvalidOperationException();
        await page.EvaluateAsync("() => window.kbBeforeOutage = true");
        var logged = app.Output.Length;

        app.Network.Cut();
        try
        {
            await Expect(page.Locator("#components-reconnect-modal")).ToBeVisibleAsync(new() { Timeout = 15_000 });
            // Committed by another instance: in the log, never published to this one.
            await app.MoveElsewhereAsync(cardId, "manager@acme.demo", "lost");
        }
        finally
        {
            app.Network.Restore();
        }

        await Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync(new() { Timeout = 20_000 });
        // It went to the end of Lost, which may lie past the cards the list renders.
        await page.Stage("Lost").ExpectAtTheEndAsync(cardId);
        Assert.True(await page.EvaluateAsync<bool>("() => window.kbBeforeOutage === true"));
        // From the log by sequence: one event read, not the board loaded again.
        var output = app.Output;
        await Task.Delay(500);
        output = app.Output;
        Assert.True(output[logged..].Contains("Board lead caught up on 1 change(s)"), output[logged..]);
    }

    [Fact]
    public async Task After_a_server_restart_the_page_reloads_itself_at_the_same_address_once_the_server_is_back()
    {
        var page = await app.OpenBoardAsync("rep@globex.demo");
        await page.EvaluateAsync("() => window.kbBeforeRestart = true");

        await app.RestartAsync(whileDown: () =>
            Expect(page.Locator("#components-reconnect-modal")).ToBeVisibleAsync(new() { Timeout = 15_000 }));

        // Nobody clicks anything: the page finds the server back, and reloads the board by itself.
        await page.WaitForFunctionAsync("() => window.kbBeforeRestart === undefined", null, new() { Timeout = 30_000 });
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/board/lead$"));
        await Expect(page.Stage("New")).ToBeVisibleAsync(new() { Timeout = 40_000 });
        await Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();
    }
}

using System.Text.Json;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>The REST API beside the board: a move made by an integration reaches open browsers exactly
/// like a drag, and the API's reference page works under the app's content security policy.</summary>
[Collection(AppCollection.Name)]
public sealed class ApiTests(AppFixture app)
{
    private async Task<(IAPIRequestContext Api, Dictionary<string, string> Headers)> TokenAsync(string email, string tenant)
    {
        var context = await app.NewContextAsync(new() { BaseURL = app.BaseUrl });
        var answer = await context.APIRequest.PostAsync("/api/v1/auth/token", new() { DataObject = new { email, password = AppFixture.Password, tenant } });
        Assert.Equal(200, answer.Status);
        using var body = JsonDocument.Parse(await answer.TextAsync());
        return (context.APIRequest, new Dictionary<string, string>
        {
            ["Authorization"] = $"Bearer {body.RootElement.GetProperty("accessToken").GetString()}",
            ["X-Tenant-Id"] = tenant,
        });
    }

    [Fact]
    public async Task A_move_through_the_api_reaches_open_boards_of_that_tenant_like_a_drag()
    {
        var acmeBoard = await app.OpenBoardAsync("manager@acme.demo");
        var globexBoard = await app.OpenBoardAsync("manager@globex.demo");
        var (acme, acmeHeaders) = await TokenAsync("admin@acme.demo", "acme");
        var (globex, globexHeaders) = await TokenAsync("admin@globex.demo", "globex");

        async Task<(string Id, int Version, string Title)> FirstInAsync(IAPIRequestContext api, Dictionary<string, string> headers, string stage)
        {
            var page = await api.GetAsync($"/api/v1/kanban/board/lead/stages/{stage}/items?limit=1", new() { Headers = headers });
            Assert.Equal(200, page.Status);
            using var body = JsonDocument.Parse(await page.TextAsync());
            var item = body.RootElement.GetProperty("items")[0];
            return (item.GetProperty("id").GetString()!, item.GetProperty("version").GetInt32(), item.GetProperty("title").GetString()!);
        }

        var card = await FirstInAsync(acme, acmeHeaders, "negotiation");
        await Expect(acmeBoard.Stage("Negotiation").Locator($"[data-id='{card.Id}']")).ToHaveCountAsync(1);
        var moved = await acme.PostAsync("/api/v1/kanban/move", new()
        {
            Headers = acmeHeaders,
            DataObject = new { entityType = "lead", entityId = card.Id, toStageId = "won", toIndex = 0, expectedVersion = card.Version },
        });
        Assert.Equal(200, moved.Status);
        await Expect(acmeBoard.Stage("Won").Cards().First).ToHaveAttributeAsync("data-id", card.Id);
        // The log says where it came from: the API, from this address.
        var log = await acme.GetAsync($"/api/v1/kanban/moves/lead?entityId={card.Id}&limit=500", new() { Headers = acmeHeaders });
        using (var entries = JsonDocument.Parse(await log.TextAsync()))
        {
            var last = entries.RootElement.GetProperty("events").EnumerateArray().Last(e => e.GetProperty("type").GetString() == "CardMoved");
            Assert.Equal("api", last.GetProperty("metadata").GetProperty("source").GetString());
            Assert.Equal("127.0.0.1", last.GetProperty("metadata").GetProperty("ip").GetString());
        }

        // Globex's board hears its own organisation's move (the sentinel) and never acme's.
        var sentinel = await FirstInAsync(globex, globexHeaders, "negotiation");
        var globexMove = await globex.PostAsync("/api/v1/kanban/move", new()
        {
            Headers = globexHeaders,
            DataObject = new { entityType = "lead", entityId = sentinel.Id, toStageId = "won", toIndex = 0, expectedVersion = sentinel.Version },
        });
        Assert.Equal(200, globexMove.Status);
        await Expect(globexBoard.Stage("Won").Cards().First).ToHaveAttributeAsync("data-id", sentinel.Id);
        Assert.Equal(0, await globexBoard.Locator($"[data-id='{card.Id}']").CountAsync());
    }

    [Fact]
    public async Task The_api_reference_page_lists_the_endpoints_without_breaking_the_content_security_policy()
    {
        var page = await app.NewAnonymousPageAsync();
        var errors = page.ConsoleErrors();
        await page.GotoAsync("/api/docs/index.html");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "KanbanBlazor API" })).ToBeVisibleAsync();
        await Expect(page.Locator(".opblock-summary-path[data-path='/api/v1/kanban/move']")).ToBeVisibleAsync();
        await Expect(page.Locator(".opblock-summary-path[data-path='/api/v1/auth/token']")).ToBeVisibleAsync();
        Assert.Empty(errors);
    }
}

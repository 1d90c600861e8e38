using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>An Admin sets up a board on its settings page, and the boards people have open follow at
/// once. Each test works on the acme task board and puts its stages back afterwards (the settings API),
/// so the other tests find the board as seeded.</summary>
[Collection(AppCollection.Name)]
public sealed class BoardSettingsTests(AppFixture app)
{
    private static readonly string[] SeededTaskStages = ["backlog", "todo", "in_progress", "review", "done"];

    private async Task<IPage> OpenSettingsAsync(string email = "admin@acme.demo", ViewportSize? viewport = null, string locale = "en-US")
    {
        var page = await app.OpenBoardAsync(email, viewport, locale: locale);
        await page.GotoAsync("/admin/boards/task");
        return page;
    }

    private static ILocator Row(IPage page, string stageId) => page.Locator($".kb-stage-row[data-stage-id='{stageId}']");

    private static Task<string[]> ColumnsAsync(IPage page) =>
        page.Locator(".kb-column").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.stage)");

    [Fact]
    public async Task An_admin_reorders_stages_by_keyboard_and_by_drag_and_a_colleagues_open_board_follows()
    {
        var colleague = await app.OpenBoardAsync("rep@acme.demo");
        await colleague.GotoAsync("/board/task");
        await Expect(colleague.Stage("Review")).ToBeVisibleAsync();
        var admin = await app.OpenBoardAsync("admin@acme.demo");
        await admin.GotoAsync("/board/task");
        var original = await ReadConfigAsync();
        try
        {
            // From the board to its settings, by the Admin's own button.
            await admin.GetByTestId("board-settings").ClickAsync();
            await admin.WaitForURLAsync("**/admin/boards/task");
            await Expect(admin.GetByTestId("stage-rows")).ToHaveAttributeAsync("data-ready", "true");
            AccessibilityTests.AssertNoSeriousViolations(await admin.RunAxe());

            // Keyboard: "Move Review up" pressed with Enter, twice.
            var up = admin.GetByRole(AriaRole.Button, new() { Name = "Move Review up" });
            await up.FocusAsync();
            await admin.Keyboard.PressAsync("Enter");
            await Expect(admin.Locator(".kb-stage-row").Nth(2)).ToHaveAttributeAsync("data-stage-id", "review");
            await up.FocusAsync();
            await admin.Keyboard.PressAsync("Enter");
            await Expect(admin.Locator(".kb-stage-row").Nth(1)).ToHaveAttributeAsync("data-stage-id", "review");
            await Expect(admin.Locator("[aria-live=polite]").Filter(new() { HasText = "Review is now stage 2 of 5." })).ToHaveCountAsync(1);

            // Drag: Backlog by its handle to below In progress.
            await DragBelowInProgressAsync(admin, "backlog");
            await Expect(admin.Locator(".kb-stage-row").First).ToHaveAttributeAsync("data-stage-id", "review");
            var order = await admin.Locator(".kb-stage-row").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.stageId)");
            Assert.Equal("backlog", order[3..].Intersect(["backlog"]).SingleOrDefault());
            Assert.Equal(["review", "todo", "in_progress"], order.Where(k => k is "review" or "todo" or "in_progress").ToArray());

            // Nothing reaches the colleague before the save.
            Assert.Equal(SeededTaskStages, await ColumnsAsync(colleague));
            await admin.GetByTestId("save-settings").ClickAsync();
            await Expect(admin.GetByText("Settings saved. Open boards show them now.").First).ToBeVisibleAsync();

            await Expect(colleague.Locator(".kb-column").First).ToHaveAttributeAsync("data-stage", "review");
            Assert.Equal(order, await ColumnsAsync(colleague));
            await colleague.ReloadAsync();
            await Expect(colleague.Locator(".kb-column").First).ToHaveAttributeAsync("data-stage", "review");
        }
        finally
        {
            await RestoreAsync(original);
        }
    }

    [Fact]
    public async Task Removing_a_stage_that_holds_cards_asks_where_they_go_and_open_boards_show_them_there()
    {
        var colleague = await app.OpenBoardAsync("manager@acme.demo");
        await colleague.GotoAsync("/board/task");
        await Expect(colleague.Stage("Backlog")).ToBeVisibleAsync();
        var admin = await OpenSettingsAsync();
        var original = await ReadConfigAsync();
        try
        {
            await admin.GetByTestId("new-stage-name").FillAsync("Blocked");
            await admin.GetByTestId("add-stage").ClickAsync();
            await Expect(Row(admin, "blocked")).ToBeVisibleAsync();
            await admin.GetByTestId("save-settings").ClickAsync();
            await Expect(colleague.Stage("Blocked")).ToBeVisibleAsync();

            // A card goes into the new stage (through the API, as another client would).
            var card = colleague.Stage("Backlog").Cards().First;
            var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
            var (api, headers) = await AdminApiAsync();
            var item = await api.GetAsync($"/api/v1/kanban/items/task/{cardId}", new() { Headers = headers });
            var version = JsonDocument.Parse(await item.TextAsync()).RootElement.GetProperty("version").GetInt32();
            var moved = await api.PostAsync("/api/v1/kanban/move", new()
            {
                Headers = headers,
                DataObject = new { entityType = "task", entityId = cardId, toStageId = "blocked", toIndex = 0, expectedVersion = version },
            });
            Assert.True(moved.Status == 200, await moved.TextAsync());
            await Expect(colleague.Stage("Blocked").Cards()).ToHaveCountAsync(1);

            await admin.ReloadAsync();
            await Expect(Row(admin, "blocked")).ToContainTextAsync("1 cards");
            await admin.GetByRole(AriaRole.Button, new() { Name = "Remove Blocked" }).ClickAsync();
            await admin.GetByTestId("save-settings").ClickAsync();
            // Not saved until the Admin says where the card goes.
            await Expect(admin.GetByTestId("removed-stages")).ToContainTextAsync("Choose where its cards go.");
            await Expect(colleague.Stage("Blocked")).ToBeVisibleAsync();

            await admin.GetByTestId("move-cards-to").ClickAsync();
            await admin.GetByRole(AriaRole.Option, new() { Name = "Backlog" }).ClickAsync();
            await admin.GetByTestId("save-settings").ClickAsync();
            await Expect(admin.GetByText("Settings saved; 1 cards were moved out of the removed stages.")).ToBeVisibleAsync();

            await Expect(colleague.Stage("Blocked")).ToHaveCountAsync(0);
            await Expect(colleague.Stage("Backlog").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
            Assert.Equal(SeededTaskStages, await ColumnsAsync(colleague));
        }
        finally
        {
            await RestoreAsync(original);
        }
    }

    [Fact]
    public async Task A_second_admin_saving_over_a_stale_copy_is_shown_what_changed_and_saves_nothing()
    {
        var first = await OpenSettingsAsync();
        var second = await OpenSettingsAsync();
        var original = await ReadConfigAsync();
        try
        {
            await Expect(second.GetByTestId("stage-rows")).ToBeVisibleAsync();
            var name = Row(first, "review").GetByTestId("stage-name");
            await name.FillAsync("Peer review");
            await first.GetByTestId("save-settings").ClickAsync();
            await Expect(first.GetByText("Settings saved. Open boards show them now.").First).ToBeVisibleAsync();

            await Row(second, "todo").GetByTestId("stage-soft").FillAsync("7");
            await second.GetByTestId("save-settings").ClickAsync();

            var conflict = second.GetByTestId("settings-conflict");
            await Expect(conflict).ToContainTextAsync("Avery Acme saved these settings at");
            await Expect(conflict.GetByTestId("settings-changes")).ToHaveTextAsync("renamed “Review” to “Peer review”");
            await Expect(Row(second, "review").GetByTestId("stage-name")).ToHaveValueAsync("Review");
            await second.GetByTestId("use-theirs").ClickAsync();
            await Expect(Row(second, "review").GetByTestId("stage-name")).ToHaveValueAsync("Peer review");
            await Expect(Row(second, "todo").GetByTestId("stage-soft")).ToHaveValueAsync("");
        }
        finally
        {
            await RestoreAsync(original);
        }
    }

    [Fact]
    public async Task Settings_are_for_admins_and_fit_a_phone_in_portuguese_with_problems_beside_their_field()
    {
        var manager = await app.OpenBoardAsync("manager@acme.demo");
        await Expect(manager.GetByTestId("nav-settings")).ToHaveCountAsync(0);
        await Expect(manager.GetByTestId("board-settings")).ToHaveCountAsync(0);
        await manager.GotoAsync("/admin/boards/task");
        await Expect(manager.GetByTestId("settings-forbidden")).ToHaveTextAsync("Only an Admin can change a board's settings.");
        await Expect(manager.GetByTestId("stage-rows")).ToHaveCountAsync(0);

        var phone = await OpenSettingsAsync(viewport: new() { Width = 390, Height = 844 }, locale: "pt-BR");
        await Expect(phone.GetByTestId("stage-rows")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(Row(phone, "backlog").GetByTestId("stage-name")).ToHaveValueAsync("Backlog");
        await Expect(Row(phone, "todo").GetByTestId("stage-name")).ToHaveValueAsync("A fazer");
        Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone");

        await Row(phone, "review").GetByTestId("stage-name").FillAsync("");
        await Row(phone, "review").GetByTestId("stage-soft").FillAsync("9");
        await Row(phone, "review").GetByTestId("stage-hard").FillAsync("3");
        await phone.GetByTestId("save-settings").ClickAsync();
        await Expect(Row(phone, "review")).ToContainTextAsync("Toda etapa precisa de um nome.");
        await Expect(Row(phone, "review")).ToContainTextAsync("O limite flexível não pode ser maior que o rígido.");
        AccessibilityTests.AssertNoSeriousViolations(await phone.RunAxe());
        // Nothing was saved.
        var config = await ReadConfigAsync();
        Assert.Equal("Review", config.GetProperty("stages")[3].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("stages")[3].GetProperty("wipSoftLimit").ValueKind);
    }

    /// <summary>Drags a stage by its handle until SortableJS shows its gap below In progress, and drops it
    /// there. A drag whose gap never moved (the pointer's path did not cross a row's middle) is let go
    /// where it started, which changes nothing, and tried again, as a person would.</summary>
    private static async Task DragBelowInProgressAsync(IPage page, string stageId)
    {
        const string GapLowDown = "() => { const rows = document.querySelector('.kb-stage-rows'); return [...rows.children].indexOf(rows.querySelector('.sortable-ghost')) >= 3; }";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var from = await Row(page, stageId).Locator(".kb-stage-row__handle").BoundingBoxAsync() ?? throw new InvalidOperationException("no handle");
            await page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2 + 12, new() { Steps = 6 });
            // SortableJS has picked the row up once its stand-in follows the pointer.
            await page.Locator(".sortable-fallback").WaitForAsync();
            // Row by row, as a hand moves, until the gap is low enough.
            foreach (var over in new[] { "todo", "in_progress", "in_progress", "done", "in_progress" })
            {
                if (await page.EvaluateAsync<bool>(GapLowDown)) break;
                var row = await Row(page, over).BoundingBoxAsync() ?? throw new InvalidOperationException("no row");
                await page.Mouse.MoveAsync(from.X + from.Width / 2, row.Y + row.Height * 0.75f, new() { Steps = 10 });
                await page.WaitForTimeoutAsync(150);
            }
            var moved = await page.EvaluateAsync<bool>(GapLowDown);
            if (!moved) await page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2, new() { Steps = 8 });
            await page.Mouse.UpAsync();
            if (moved) return;
            await Expect(page.Locator(".sortable-fallback")).ToHaveCountAsync(0);
        }
        throw new InvalidOperationException("the dragged stage never went below In progress");
    }

    private async Task<(IAPIRequestContext Api, Dictionary<string, string> Headers)> AdminApiAsync()
    {
        var context = await app.NewContextAsync(new() { BaseURL = app.BaseUrl });
        var answer = await context.APIRequest.PostAsync("/api/v1/auth/token", new() { DataObject = new { email = "admin@acme.demo", password = AppFixture.Password, tenant = "acme" } });
        Assert.Equal(200, answer.Status);
        using var body = JsonDocument.Parse(await answer.TextAsync());
        return (context.APIRequest, new Dictionary<string, string>
        {
            ["Authorization"] = $"Bearer {body.RootElement.GetProperty("accessToken").GetString()}",
            ["X-Tenant-Id"] = "acme",
        });
    }

    private async Task<JsonElement> ReadConfigAsync()
    {
        var (api, headers) = await AdminApiAsync();
        var answer = await api.GetAsync("/api/v1/kanban/config/task", new() { Headers = headers });
        Assert.Equal(200, answer.Status);
        return JsonDocument.Parse(await answer.TextAsync()).RootElement.Clone();
    }

    /// <summary>Puts the acme task board's settings back as they were (cards of a stage a test added go to the backlog).</summary>
    private async Task RestoreAsync(JsonElement original)
    {
        var current = await ReadConfigAsync();
        var kept = original.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToHashSet();
        var added = current.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).Where(id => !kept.Contains(id));
        var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(original.GetRawText())!;
        body["version"] = current.GetProperty("version").GetInt32();
        body["moveCardsTo"] = added.ToDictionary(id => id, _ => "backlog");
        var (api, headers) = await AdminApiAsync();
        var answer = await api.PutAsync("/api/v1/kanban/config/task", new() { Headers = headers, DataObject = body });
        Assert.True(answer.Status == 200, await answer.TextAsync());
    }
}

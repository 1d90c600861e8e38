using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>Cards added, opened and edited on the board: what a colleague sees live, the edit lock,
/// validation in the user's language, and what a viewer may not do.</summary>
[Collection(AppCollection.Name)]
public sealed class CardTests(AppFixture app)
{
    private static ILocator Dialog(IPage page) => page.GetByRole(AriaRole.Dialog);

    private static async Task OpenCardAsync(IPage page, string cardId)
    {
        await page.CardById(cardId).Locator(".kb-card__title").ClickAsync();
        await Expect(Dialog(page).Locator("[data-testid=card-form]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_card_added_to_a_stage_appears_on_a_colleagues_board_and_nowhere_else()
    {
        var manager = await app.OpenBoardAsync("manager@acme.demo");
        var colleague = await app.OpenBoardAsync("rep@acme.demo");
        var otherTenant = await app.OpenBoardAsync("admin@globex.demo");
        var title = $"Stark Industries {Guid.NewGuid():N}"[..30];

        await manager.Locator("[data-stage='contacted']").GetByRole(AriaRole.Button, new() { Name = "Add a card to Contacted" }).ClickAsync();
        var dialog = Dialog(manager);
        await dialog.GetByLabel("Name", new() { Exact = true }).FillAsync(title);
        await dialog.GetByLabel("Company").FillAsync("Stark Industries");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add card" }).ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(manager.Stage("Contacted").Cards().First).ToContainTextAsync(title);
        // The sentinel: the colleague's board heard it, at the top of the stage.
        await Expect(colleague.Stage("Contacted").Cards().First).ToContainTextAsync(title);
        await Expect(colleague.Stage("Contacted").Cards().First).ToContainTextAsync("Morgan Acme");
        Assert.Equal(0, await otherTenant.GetByText(title).CountAsync());

        await colleague.ReloadAsync();
        await Expect(colleague.Stage("Contacted").Cards().First).ToContainTextAsync(title);
    }

    [Fact]
    public async Task A_title_typed_into_a_stages_quick_add_becomes_a_card_at_its_top_for_a_colleague_and_a_blank_one_is_refused_in_portuguese()
    {
        var rep = await app.OpenBoardAsync("rep@acme.demo");
        var colleague = await app.OpenBoardAsync("manager@acme.demo");
        var title = $"Quick {Guid.NewGuid():N}"[..20];
        var quick = rep.Locator("[data-stage='contacted'] [data-testid=quick-add] input");

        await quick.FillAsync(title);
        await quick.PressAsync("Enter");

        await Expect(colleague.Stage("Contacted").Cards().First).ToContainTextAsync(title);
        await Expect(colleague.Stage("Contacted").Cards().First).ToContainTextAsync("Riley Acme");
        await Expect(rep.Stage("Contacted").Cards().First).ToContainTextAsync(title);
        await Expect(quick).ToHaveValueAsync("");

        var portuguese = await app.OpenBoardAsync("rep@acme.demo", locale: "pt-BR");
        var blank = portuguese.Locator("[data-stage='contacted'] [data-testid=quick-add] input");
        var before = await portuguese.SequenceAsync();
        await blank.FillAsync("   ");
        await blank.PressAsync("Enter");
        await Expect(portuguese.Locator("[data-stage='contacted'] [data-testid=quick-add] [role=alert]")).ToHaveTextAsync("Obrigatório");
        await Expect(blank).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(before, await portuguese.SequenceAsync());

        // A viewer has no quick-add.
        var viewer = await app.OpenBoardAsync("viewer@acme.demo");
        await Expect(viewer.Locator("[data-stage='contacted']")).ToBeVisibleAsync();
        await Expect(viewer.Locator("[data-testid=quick-add]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_card_being_edited_is_read_only_for_a_colleague_until_the_editor_saves_and_closes()
    {
        var editor = await app.OpenBoardAsync("manager@acme.demo");
        var colleague = await app.OpenBoardAsync("admin@acme.demo");
        var card = editor.Stage("Qualified").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");

        await OpenCardAsync(editor, cardId);
        // On the colleague's board: who else is here, and who is editing the card.
        await Expect(colleague.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("Morgan Acme"));
        await Expect(colleague.CardById(cardId).GetByTestId("card-editing")).ToHaveTextAsync("Morgan Acme is editing");
        await OpenCardAsync(colleague, cardId);

        await Expect(Dialog(colleague).Locator("[data-testid=card-locked]")).ToContainTextAsync("Morgan Acme is editing this card");
        await Expect(Dialog(colleague).GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0);
        await Dialog(colleague).GetByRole(AriaRole.Button, new() { Name = "Close", Exact = true }).First.ClickAsync();

        var company = $"Wayne {Guid.NewGuid():N}"[..14];
        await Dialog(editor).GetByLabel("Company").FillAsync(company);
        await Dialog(editor).GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(Dialog(editor)).ToHaveCountAsync(0);

        // Closed: the lock is let go, and the colleague may edit, and sees the saved company.
        await Expect(colleague.CardById(cardId).GetByTestId("card-editing")).ToHaveCountAsync(0);
        await OpenCardAsync(colleague, cardId);
        await Expect(Dialog(colleague).GetByLabel("Company")).ToHaveValueAsync(company);
        await Expect(Dialog(colleague).GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeVisibleAsync();
        await Expect(Dialog(colleague).Locator("[data-testid=card-locked]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_bad_email_is_refused_beside_the_field_in_portuguese_and_nothing_is_saved()
    {
        var rep = await app.OpenBoardAsync("rep@acme.demo", locale: "pt-BR");
        var sequence = await rep.SequenceAsync();
        await rep.Locator("[data-stage='new'] [data-testid=add-card]").ClickAsync();
        var dialog = Dialog(rep);
        await dialog.GetByLabel("Nome", new() { Exact = true }).FillAsync("Cyberdyne");
        await dialog.GetByLabel("E-mail").FillAsync("miles at cyberdyne");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Adicionar cartão" }).ClickAsync();

        await Expect(dialog.GetByRole(AriaRole.Alert)).ToContainTextAsync("Alguns campos precisam de atenção");
        await Expect(dialog).ToContainTextAsync("Não é um endereço de e-mail");
        Assert.Equal(sequence, await rep.SequenceAsync());
        AccessibilityTests.AssertNoSeriousViolations(await dialog.RunAxe());
    }

    [Fact]
    public async Task A_viewer_can_read_a_card_but_not_add_or_edit_one()
    {
        var viewer = await app.OpenBoardAsync("viewer@acme.demo");
        await Expect(viewer.Locator("[data-testid=add-card]")).ToHaveCountAsync(0);
        var cardId = await viewer.Stage("Proposal").Cards().First.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");

        await viewer.CardById(cardId).FocusAsync();
        await viewer.Keyboard.PressAsync("Enter");

        await Expect(Dialog(viewer).Locator("[data-testid=card-form]")).ToBeVisibleAsync();
        await Expect(Dialog(viewer).GetByRole(AriaRole.Note)).ToContainTextAsync("Your role can read this card but not edit it.");
        await Expect(Dialog(viewer).GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0);
        await Expect(Dialog(viewer).GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Each_of_the_four_boards_opens_from_the_drawer_with_its_stages_cards_and_totals()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo");
        (string Link, string Board, string[] Stages)[] boards =
        [
            ("Opportunities", "opportunity", ["Discovery", "Qualification", "Proposal", "Negotiation", "Closed won", "Closed lost"]),
            ("Tasks", "task", ["Backlog", "To do", "In progress", "Review", "Done"]),
            ("Customers", "customer", ["Onboarding", "Active", "At risk", "Churned"]),
            ("Leads", "lead", ["New", "Contacted", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]),
        ];
        foreach (var (link, board, stages) in boards)
        {
            await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = link }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/board/{board}$"));
            await Expect(page.Locator($".kb-board[data-board='{board}'] .kb-column__name")).ToHaveTextAsync(stages);
            await Expect(page.Locator(".kb-board .kb-sortable__item").First).ToBeVisibleAsync();
            // Tasks have no value: neither their tiles nor their stages show one.
            Assert.Equal(board == "task" ? 0 : stages.Length, await page.Locator(".kb-column__value").CountAsync());
            // Opportunities: each stage's value weighted by its cards' probability of closing.
            Assert.Equal(board == "opportunity" ? stages.Length : 0, await page.Locator("[data-testid=weighted-value]").CountAsync());
        }
    }

    [Fact]
    public async Task A_rep_completes_a_next_action_and_must_set_the_next_one()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo");
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "My next actions" }).ClickAsync();
        var item = page.Locator(".kb-next__item[data-entity-type='lead']").Last;
        await Expect(item).ToBeVisibleAsync();
        var cardId = await item.GetAttributeAsync("data-card-id") ?? throw new InvalidOperationException("action without card");
        // Every listed action is the rep's own.
        Assert.Equal(0, await page.Locator(".kb-next__item").Filter(new() { HasText = "Morgan Acme" }).CountAsync());
        AccessibilityTests.AssertNoSeriousViolations(await page.RunAxe());

        await item.GetByRole(AriaRole.Button).ClickAsync();
        var dialog = Dialog(page);
        await dialog.GetByLabel("What was done").FillAsync("Sent the revised proposal");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Alert)).ToContainTextAsync("Some fields need a look");
        await Expect(dialog).ToContainTextAsync("Required");
        AccessibilityTests.AssertNoSeriousViolations(await dialog.RunAxe());

        var next = DateTime.UtcNow.AddDays(21);
        await dialog.GetByLabel("Next action date").FillAsync(next.ToString("MM/dd/yyyy", System.Globalization.CultureInfo.InvariantCulture));
        await dialog.GetByLabel("Next action date").PressAsync("Tab");
        await dialog.GetByLabel("What to do next").FillAsync("Check the proposal was read");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        // Three weeks out is past this week: the card leaves the list.
        await Expect(page.Locator($".kb-next__item[data-card-id='{cardId}']")).ToHaveCountAsync(0);
        await page.GotoAsync("/board/lead");
        await page.CardById(cardId).GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^History of") }).ClickAsync();
        await Expect(page.GetByTestId("card-history")).ToContainTextAsync("Riley Acme completed an action: Sent the revised proposal");
    }

    [Fact]
    public async Task A_board_exported_to_csv_can_be_edited_and_imported_back_and_a_bad_file_imports_nothing()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo");
        await page.GotoAsync("/board/customer");
        await page.Locator("[data-list-id='active']").WaitForAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export").ClickAsync());
        var exported = await File.ReadAllTextAsync(await download.PathAsync());
        var lines = exported.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("stage,title,", lines[0].TrimStart('\uFEFF'));
        Assert.Equal(await page.Locator(".kb-board .kb-column__count").AllInnerTextsAsync() is var counts ? counts.Sum(c => int.Parse(c.Trim())) : 0, lines.Length - 1);

        // Two exported customers, renamed, go back in as new cards.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var rows = lines.Skip(1).Where(l => l.StartsWith("onboarding,", StringComparison.Ordinal)).Take(2)
            .Select((l, i) => "onboarding," + $"Imported {suffix} {i}" + l[l.IndexOf(',', "onboarding,".Length)..]).ToList();
        var file = Path.Combine(Path.GetTempPath(), $"customers-{suffix}.csv");
        await File.WriteAllTextAsync(file, lines[0] + "\r\n" + string.Join("\r\n", rows) + "\r\n");
        await page.GetByTestId("import").ClickAsync();
        await Dialog(page).Locator("input[type=file]").SetInputFilesAsync(file);
        await Expect(Dialog(page)).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-list-id='onboarding']")).ToContainTextAsync($"Imported {suffix} 0");
        await Expect(page.Locator("[data-list-id='onboarding']")).ToContainTextAsync($"Imported {suffix} 1");

        // A file with a stage the board does not have: the line is named, nothing comes in.
        var bad = Path.Combine(Path.GetTempPath(), $"bad-{suffix}.csv");
        await File.WriteAllTextAsync(bad, $"stage,title\r\nactive,Fine {suffix}\r\nsomewhere,Lost {suffix}\r\n");
        var sequence = await page.SequenceAsync();
        await page.GetByTestId("import").ClickAsync();
        await Dialog(page).Locator("input[type=file]").SetInputFilesAsync(bad);
        await Expect(Dialog(page).GetByTestId("import-errors")).ToContainTextAsync("Line 3, stage:");
        Assert.Equal(sequence, await page.SequenceAsync());
        Assert.Equal(0, await page.GetByText($"Fine {suffix}").CountAsync());
    }

    [Fact]
    public async Task A_collapsed_stage_stays_collapsed_for_its_user_after_a_reload_and_on_another_device_and_not_for_others()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo");
        await page.GotoAsync("/board/task");
        await page.Locator("[data-list-id='done']").WaitForAsync();
        var toggle = page.Locator("[data-stage='done'] [data-testid=toggle-stage]");
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");

        await toggle.ClickAsync();

        await Expect(page.Locator("[data-list-id='done']")).ToHaveCountAsync(0);
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(page.Locator("[data-stage='done'] .kb-column__count")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await page.Locator("[data-list-id='review']").WaitForAsync();
        await Expect(page.Locator("[data-stage='done']")).ToHaveAttributeAsync("data-collapsed", "true");
        await Expect(page.Locator("[data-list-id='done']")).ToHaveCountAsync(0);

        // Another user's board is as it was.
        var colleague = await app.OpenBoardAsync("admin@acme.demo");
        await colleague.GotoAsync("/board/task");
        await Expect(colleague.Locator("[data-list-id='done']")).ToHaveCountAsync(1);

        // The same user on another device (a browser without the cookie) finds it collapsed too.
        var otherDevice = await app.OpenBoardAsync("manager@acme.demo");
        Assert.DoesNotContain(await otherDevice.Context.CookiesAsync(), c => c.Name == "kb.collapsed" && c.Value.Length > 0);
        await otherDevice.GotoAsync("/board/task");
        await Expect(otherDevice.Locator("[data-stage='done']")).ToHaveAttributeAsync("data-collapsed", "true");
        await Expect(otherDevice.Locator("[data-list-id='done']")).ToHaveCountAsync(0);

        await page.Locator("[data-stage='done'] [data-testid=toggle-stage]").ClickAsync();
        await Expect(page.Locator("[data-list-id='done']")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task My_next_actions_fit_a_390_pixel_phone_and_open_by_keyboard()
    {
        var page = await app.OpenBoardAsync("manager@acme.demo", viewport: new() { Width = 390, Height = 844 }, touch: true);
        await page.GotoAsync("/next-actions");
        await Expect(page.Locator(".kb-next__item").First).ToBeVisibleAsync();

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone");
        var done = page.Locator(".kb-next__item").First.GetByRole(AriaRole.Button);
        await done.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(Dialog(page).GetByLabel("What was done")).ToBeVisibleAsync();
        AccessibilityTests.AssertNoSeriousViolations(await page.RunAxe());
    }
}

using System.Text.Json;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

[Collection(AppCollection.Name)]
public sealed class TenancyTests(AppFixture app)
{
    [Fact]
    public async Task The_board_api_answers_for_the_signed_in_users_tenant_and_403_for_any_other()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo");
        var api = page.Context.APIRequest;

        var own = await api.GetAsync("/api/v1/kanban/board/lead");
        Assert.Equal(200, own.Status);
        using (var body = JsonDocument.Parse(await own.TextAsync()))
            Assert.Equal("acme", body.RootElement.GetProperty("tenant").GetString());

        Assert.Equal(200, (await api.GetAsync("/api/v1/kanban/board/lead", new() { Headers = new Dictionary<string, string> { ["X-Tenant-Id"] = "acme" } })).Status);
        var foreign = await api.GetAsync("/api/v1/kanban/board/lead", new() { Headers = new Dictionary<string, string> { ["X-Tenant-Id"] = "globex" } });
        Assert.Equal(403, foreign.Status);
        Assert.DoesNotContain("Globex", await foreign.TextAsync());
        Assert.Equal(404, (await api.GetAsync("/api/v1/kanban/board/no-such-board")).Status);
    }

    [Fact]
    public async Task The_api_answers_401_to_an_anonymous_caller()
    {
        var page = await app.NewAnonymousPageAsync();
        var response = await page.Context.APIRequest.GetAsync("/api/v1/kanban/board/lead", new() { MaxRedirects = 0 });
        Assert.Equal(401, response.Status);
    }

    [Fact]
    public async Task Switching_to_a_tenant_the_user_is_not_a_member_of_answers_404_and_changes_nothing()
    {
        var page = await app.OpenBoardAsync("admin@acme.demo");
        await page.OpenUserMenuAsync();
        var status = await page.EvaluateAsync<int>(@"async () => {
            const token = document.querySelector('input[name=__RequestVerificationToken]').value;
            const response = await fetch('/account/tenant', { method: 'POST', redirect: 'manual',
                body: new URLSearchParams({ tenant: 'globex', __RequestVerificationToken: token }) });
            return response.status;
        }");
        Assert.Equal(404, status);
        await page.ReloadAsync();
        await page.OpenUserMenuAsync();
        await Expect(page.RoleAndOrganisation()).ToHaveTextAsync("Admin · Acme Corporation");
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_rejected()
    {
        var page = await app.OpenBoardAsync("consultant@kanban.demo");
        var status = await page.EvaluateAsync<int>(@"async () => (await fetch('/account/tenant', { method: 'POST', redirect: 'manual',
            body: new URLSearchParams({ tenant: 'globex' }) })).status");
        Assert.Equal(400, status);
        await page.ReloadAsync();
        await page.OpenUserMenuAsync();
        await Expect(page.GetByRole(AriaRole.Menuitemradio, new() { Name = "Acme Corporation" })).ToBeCheckedAsync();
    }

    [Fact]
    public async Task A_board_that_does_not_exist_answers_404_with_a_readable_page()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo");
        var response = await page.GotoAsync("/board/unicorns");
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_user_of_two_tenants_switches_between_their_boards()
    {
        var page = await app.OpenBoardAsync("consultant@kanban.demo");
        await page.OpenUserMenuAsync();
        await Expect(page.GetByRole(AriaRole.Menuitemradio, new() { Name = "Acme Corporation" })).ToBeCheckedAsync();
        var acmeCard = await page.Stage("New").Cards().First.GetAttributeAsync("data-id");

        // Choosing the organisation is switching: no separate button.
        await page.GetByRole(AriaRole.Menuitemradio, new() { Name = "Globex Inc." }).ClickAsync();

        await Expect(page.Stage("New").Cards().First).ToBeVisibleAsync();
        await page.OpenUserMenuAsync();
        await Expect(page.GetByRole(AriaRole.Menuitemradio, new() { Name = "Globex Inc." })).ToBeCheckedAsync();
        await Expect(page.RoleAndOrganisation()).ToHaveTextAsync("Sales rep · Globex Inc.");
        Assert.Equal(0, await page.CardById(acmeCard!).CountAsync());
        using var body = JsonDocument.Parse(await (await page.Context.APIRequest.GetAsync("/api/v1/kanban/board/lead")).TextAsync());
        Assert.Equal("globex", body.RootElement.GetProperty("tenant").GetString());
    }
}

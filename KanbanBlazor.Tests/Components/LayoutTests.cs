using Bunit;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Components;
using KanbanBlazor.Web.Components.Layout;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Xunit;

namespace KanbanBlazor.Tests.Components;

public sealed class LayoutTests : ComponentTest
{
    private static readonly Guid User = Guid.NewGuid();
    private static readonly CurrentTenant Acme = new(Guid.NewGuid(), "acme", "Acme Corporation", User, "Casey Consultant", TenantRole.Manager);
    private static readonly CurrentTenant Globex = new(Guid.NewGuid(), "globex", "Globex Inc.", User, "Casey Consultant", TenantRole.SalesRep);

    private async Task<IRenderedComponent<UserMenu>> OpenUserMenuAsync(params CurrentTenant[] memberships)
    {
        var menu = Render<UserMenu>(p => p.Add(m => m.Tenant, Acme).Add(m => m.Memberships, memberships));
        Assert.Empty(menu.FindAll("[role=menu]")); // rendered only while open
        var button = menu.Find("button[aria-label='Account menu for Casey Consultant']");
        Assert.Equal("menu", button.GetAttribute("aria-haspopup"));
        button.Click();
        // Awaited, not blocking: tests render in parallel, and a blocked pool thread can starve the renderer.
        await menu.WaitForAssertionAsync(() => Assert.NotEmpty(menu.FindAll("[role=menu] form[action='/account/logout']")));
        Assert.Equal("true", menu.Find("button[aria-haspopup]").GetAttribute("aria-expanded"));
        return menu;
    }

    [Fact]
    public async Task The_user_menu_says_who_is_signed_in_with_which_role_and_offers_language_theme_and_sign_out()
    {
        var menu = await OpenUserMenuAsync(Acme);
        Assert.Contains("Manager · Acme Corporation", menu.Find(".kb-user-menu__role").TextContent);
        Assert.Equal(["en-US", "pt-BR"], menu.FindAll("form[action='/account/culture'] input[name=culture]").Select(i => i.GetAttribute("value")));
        Assert.Single(menu.FindAll("[role=menuitemcheckbox]"));
        var signOut = menu.Find("form[action='/account/logout']");
        Assert.Equal("post", signOut.GetAttribute("method"));
        Assert.Equal("test-token", signOut.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value"));
    }

    [Fact]
    public async Task A_member_of_one_organisation_gets_no_organisation_switcher() =>
        Assert.Empty((await OpenUserMenuAsync(Acme)).FindAll("form[action='/account/tenant']"));

    [Fact]
    public async Task The_organisation_switcher_lists_every_membership_and_each_choice_posts_the_switch()
    {
        var menu = await OpenUserMenuAsync(Acme, Globex);
        var choices = menu.FindAll("form[action='/account/tenant']");
        Assert.Equal(["acme", "globex"], choices.Select(f => f.QuerySelector("input[name=tenant]")!.GetAttribute("value")));
        Assert.All(choices, f => Assert.Equal("submit", f.QuerySelector("button")!.GetAttribute("type")));
        Assert.Equal("true", choices[0].QuerySelector("button")!.GetAttribute("aria-checked"));
        Assert.Equal("false", choices[1].QuerySelector("button")!.GetAttribute("aria-checked"));
        Assert.Contains("Sales rep", choices[1].TextContent);
    }

    [Fact]
    public void The_shared_theme_renders_what_MudBlazor_renders_made_once_for_each_mode()
    {
        var mud = Render<MudThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme).Add(t => t.ObserveSystemDarkModeChange, false));
        var light = Render<SharedThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme));
        var again = Render<SharedThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme));
        var dark = Render<SharedThemeProvider>(p => p.Add(t => t.Theme, AppTheme.Theme).Add(t => t.IsDarkMode, true));
        Assert.Equal(mud.Markup, light.Markup);
        Assert.Contains("--mud-palette-primary: rgba(58,54,196,1)", light.Markup);
        Assert.Contains("--mud-palette-primary: rgba(168,166,255,1)", dark.Markup);
        Assert.Equal(light.Markup, again.Markup);

        // Switching mode renders the other stylesheet in place.
        light.Render(p => p.Add(t => t.IsDarkMode, true));
        Assert.Equal(dark.Markup, light.Markup);
    }

    [Fact]
    public async Task Choosing_the_dark_theme_reports_it()
    {
        bool? dark = null;
        var menu = Render<UserMenu>(p => p.Add(m => m.Tenant, Acme).Add(m => m.Memberships, [Acme])
            .Add(m => m.DarkModeChanged, (bool value) => dark = value));
        menu.Find("button[aria-label='Account menu for Casey Consultant']").Click();
        await menu.WaitForAssertionAsync(() => menu.Find("[role=menuitemcheckbox]").Click());
        Assert.True(dark);
        // A click beside the menu closes it.
        menu.Find(".kb-menu-backdrop").Click();
        Assert.Empty(menu.FindAll("[role=menu]"));
    }

    [Fact]
    public void The_not_found_page_offers_a_way_back_in_the_viewers_language()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("rep@acme.demo");
        var english = Render<NotFound>();
        Assert.Equal("Not found", english.Find("h1").TextContent);
        Assert.Equal("/board/lead", english.Find("a").GetAttribute("href"));
        Assert.Equal("Sign out", english.Find("form[action='/account/logout'] button[type=submit]").TextContent.Trim());

        UseCulture("pt-BR");
        var portuguese = Render<NotFound>();
        Assert.Equal("Página não encontrada", portuguese.Find("h1").TextContent);
        Assert.Contains("Ir para o quadro de leads", portuguese.Find("a").TextContent);
    }

    [Fact]
    public void The_not_found_page_sends_an_anonymous_visitor_to_sign_in()
    {
        AddAuthorization();
        var page = Render<NotFound>();
        Assert.Equal("/account/login", page.Find("a").GetAttribute("href"));
        Assert.Empty(page.FindAll("form[action='/account/logout']"));
    }
}

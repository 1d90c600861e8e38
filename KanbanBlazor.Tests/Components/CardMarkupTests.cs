using Bunit;
using Microsoft.Extensions.DependencyInjection;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Features.Board;
using Xunit;

namespace KanbanBlazor.Tests.Components;

public sealed class CardMarkupTests : ComponentTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The card's shared markup (<see cref="CardMarkup"/>), rendered as a board renders it.</summary>
    private IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> Render(BoardCard card, TimeZoneInfo? zone = null, bool movable = false,
        bool locked = false, bool canMoveTo = false)
    {
        var html = CardMarkup.For(card, Now, zone ?? TimeZoneInfo.Utc, new CardLook(movable, locked, canMoveTo, History: true), Services.GetRequiredService<BoardText>());
        return Render(builder => builder.AddMarkupContent(0, html));
    }

    private static BoardCard Card(DateTimeOffset? nextActionAt = null, string title = "Northwind Traders: CRM rollout", string? details = "Call to confirm budget") =>
        new(Guid.NewGuid(), title, "Northwind Traders", 21500m, "USD", Guid.NewGuid(), "Riley Acme", "new", "V", 1, nextActionAt, details);

    [Fact]
    public void A_card_shows_its_title_value_and_owner()
    {
        var tile = Render(Card());
        Assert.Equal("Northwind Traders: CRM rollout", tile.Find("h3").TextContent);
        Assert.Equal("$21,500", tile.Find(".kb-card__value").TextContent);
        Assert.Equal("Riley Acme", tile.Find(".kb-card__owner").TextContent);
        Assert.Empty(tile.FindAll(".kb-card__next"));
    }

    [Fact]
    public void A_title_that_looks_like_html_is_shown_as_text_and_never_becomes_markup()
    {
        var tile = Render(Card(title: "<img src=x onerror=alert(1)>"));
        Assert.Equal("<img src=x onerror=alert(1)>", tile.Find("h3").TextContent);
        Assert.Empty(tile.FindAll("img"));
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", tile.Markup);
    }

    [Fact]
    public void A_next_action_in_the_past_is_marked_overdue()
    {
        var tile = Render(Card(Now.AddHours(-3)));
        Assert.Contains("kb-card__next--overdue", tile.Find(".kb-card__next").ClassName);
        Assert.Equal("Overdue: Call to confirm budget", tile.Find(".kb-card__next span").TextContent.Trim());
    }

    [Fact]
    public void A_next_action_still_to_come_is_shown_plainly_in_the_viewers_time_zone()
    {
        var tile = Render(Card(Now.AddDays(2)), TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        Assert.DoesNotContain("kb-card__next--overdue", tile.Find(".kb-card__next").ClassName);
        Assert.Equal("Next: Call to confirm budget", tile.Find(".kb-card__next span").TextContent.Trim());
        Assert.Equal("23 Nov 07:00", tile.Find("time").TextContent);
    }

    [Fact]
    public void In_brazilian_portuguese_money_and_dates_follow_the_culture()
    {
        UseCulture("pt-BR");
        var tile = Render(Card(Now.AddDays(2)));
        Assert.Equal("US$ 21.500", tile.Find(".kb-card__value").TextContent.Replace('\u00A0', ' '));
        Assert.Equal("Próxima: Call to confirm budget", tile.Find(".kb-card__next span").TextContent.Trim());
        Assert.Equal("23 de nov. 12:00", tile.Find("time").TextContent);
    }

    [Fact]
    public void A_card_the_viewer_may_move_offers_a_move_to_menu_and_one_they_may_not_shows_a_lock()
    {
        var movable = Render(Card(), movable: true, canMoveTo: true);
        Assert.Equal("Move Northwind Traders: CRM rollout to…", movable.Find("button.kb-card__move").GetAttribute("aria-label"));
        Assert.Equal("menu", movable.Find("button.kb-card__move").GetAttribute("aria-haspopup"));
        Assert.Equal("History of Northwind Traders: CRM rollout", movable.Find("button.kb-card__history").GetAttribute("aria-label"));
        Assert.Empty(movable.FindAll(".kb-card__lock"));
        Assert.DoesNotContain("kb-card--locked", movable.Find(".kb-card").ClassName);

        var locked = Render(Card(), movable: false, locked: true, canMoveTo: true);
        Assert.Empty(locked.FindAll(".kb-card__move"));
        Assert.Single(locked.FindAll(".kb-card__lock"));
        Assert.Contains("kb-card--locked", locked.Find(".kb-card").ClassName);
    }

    [Fact]
    public void One_card_shown_the_same_way_to_many_viewers_is_made_once_and_a_changed_card_anew()
    {
        var card = Card(Now.AddDays(1));
        var text = Services.GetRequiredService<BoardText>();
        var look = new CardLook(true, false, true, true);
        var first = CardMarkup.For(card, Now, TimeZoneInfo.Utc, look, text);
        Assert.Same(first, CardMarkup.For(card, Now.AddMinutes(5), TimeZoneInfo.Utc, look, text));
        Assert.NotSame(first, CardMarkup.For(card with { Title = "Renamed" }, Now, TimeZoneInfo.Utc, look, text));
        Assert.Contains("Renamed", CardMarkup.For(card with { Title = "Renamed" }, Now, TimeZoneInfo.Utc, look, text));
        // Another time zone, or the next action now overdue, is another rendering.
        Assert.NotEqual(first, CardMarkup.For(card, Now, TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), look, text));
        Assert.Contains("kb-card__next--overdue", CardMarkup.For(card, Now.AddDays(2), TimeZoneInfo.Utc, look, text));
    }

    [Fact]
    public void A_tile_says_when_the_next_action_is_due_today_or_missing_and_when_the_card_is_older_than_its_stages_usual_time()
    {
        var text = Services.GetRequiredService<BoardText>();
        var look = new CardLook(true, false, true, true, Open: true);

        var today = CardMarkup.Tile(Card(Now.AddHours(3)), Now, TimeZoneInfo.Utc, look, text);
        Assert.Contains("kb-card__next--today", today.Html);
        Assert.Contains("Today:", today.Html);
        Assert.Contains("No next action", CardMarkup.For(Card(null), Now, TimeZoneInfo.Utc, look, text));
        // A card in a closing stage is not asked for a next action.
        Assert.DoesNotContain("No next action", CardMarkup.For(Card(null), Now, TimeZoneInfo.Utc, look with { Open = false }, text));

        var aged = CardMarkup.Tile(Card(Now.AddDays(2)), Now, TimeZoneInfo.Utc, look with { AgedDays = 12, UsualDays = 5 }, text);
        Assert.Contains("card-aged", aged.Html);
        Assert.Contains("12 d in stage", aged.Html);
        Assert.Contains("12 days in this stage, longer than the usual 5", aged.Label);
        Assert.DoesNotContain("card-aged", CardMarkup.For(Card(Now.AddDays(2)), Now, TimeZoneInfo.Utc, look, text));
    }

    [Fact]
    public async Task Choosing_a_stage_in_the_boards_move_to_menu_reports_the_card_and_that_stage_and_closes_it()
    {
        var card = Card();
        (Guid CardId, string Stage)? chosen = null;
        var closed = 0;
        var menu = Render<MoveToMenu>(p => p
            .Add(m => m.Card, card)
            .Add(m => m.Targets, [("contacted", "Contacted"), ("won", "Won")])
            .Add(m => m.OnChoose, ((Guid, string) choice) => chosen = choice)
            .Add(m => m.OnClose, () => closed++));

        Assert.Equal("Move Northwind Traders: CRM rollout to…", menu.Find("[role=menu]").GetAttribute("aria-label"));
        Assert.Equal(["Contacted", "Won"], menu.FindAll("[role=menuitem]").Select(i => i.TextContent));
        menu.FindAll("[role=menuitem]").Single(i => i.TextContent == "Won").Click();

        await menu.WaitForAssertionAsync(() => Assert.Equal((card.Id, "won"), chosen));
        Assert.Equal(1, closed);
    }

    [Fact]
    public void A_closed_menu_renders_nothing()
    {
        var menu = Render<MoveToMenu>(p => p.Add(m => m.Card, null).Add(m => m.Targets, [("won", "Won")]));
        Assert.Empty(menu.FindAll("[role=menu]"));
    }
}

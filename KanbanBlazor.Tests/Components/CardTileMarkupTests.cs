using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Features.Board;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace KanbanBlazor.Tests.Components;

/// <summary>Markup of the card tile, rendered with the framework's HtmlRenderer (bUnit is not available here).</summary>
public sealed class CardTileMarkupTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static async Task<string> RenderAsync(BoardCard card, TimeZoneInfo? zone = null)
    {
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<CardTile>(ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(CardTile.Card)] = card,
                [nameof(CardTile.Now)] = Now,
                [nameof(CardTile.TimeZone)] = zone ?? TimeZoneInfo.Utc,
            }));
            return output.ToHtmlString();
        });
    }

    private static BoardCard Card(DateTimeOffset? nextActionAt, string? details = "Call to confirm budget") =>
        new(Guid.NewGuid(), "Northwind Traders: CRM rollout", "Northwind Traders", 21500m, "USD", Guid.NewGuid(), "Riley Acme",
            "new", "V", 1, nextActionAt, details);

    [Fact]
    public async Task A_card_shows_its_title_value_and_owner()
    {
        var html = await RenderAsync(Card(null));
        Assert.Contains("Northwind Traders: CRM rollout", html);
        Assert.Contains("$21,500", html);
        Assert.Contains("Riley Acme", html);
        Assert.DoesNotContain("kb-card__next", html);
    }

    [Fact]
    public async Task A_next_action_in_the_past_is_marked_overdue()
    {
        var html = await RenderAsync(Card(Now.AddHours(-3)));
        Assert.Contains("kb-card__next--overdue", html);
        Assert.Contains("Overdue: Call to confirm budget", html);
    }

    [Fact]
    public async Task A_next_action_still_to_come_is_shown_plainly()
    {
        var html = await RenderAsync(Card(Now.AddDays(2)));
        Assert.DoesNotContain("kb-card__next--overdue", html);
        Assert.Contains("Next: Call to confirm budget", html);
        Assert.Contains("23 Nov 12:00", html);
    }

    [Fact]
    public async Task Next_action_times_show_in_the_viewers_time_zone()
    {
        var html = await RenderAsync(Card(Now.AddDays(2)), TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));
        Assert.Contains("23 Nov 07:00", html);
    }
}

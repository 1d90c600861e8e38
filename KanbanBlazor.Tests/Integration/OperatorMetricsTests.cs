using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using KanbanBlazor.Core.Access;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// The operators' view: Prometheus scrapes /ops/metrics, where a move shows in the board's counters and
/// latency histogram beside the open circuits and the connection pool, and no tenant appears.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed partial class OperatorMetricsTests(TestDatabase database)
{
    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{[^}]*\})? (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    /// <summary>The sum of a metric's samples (over its labels), 0 when it is not there.</summary>
    private static double Value(string scrape, string name) =>
        Sample().Matches(scrape).Where(m => m.Groups["name"].Value == name).Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_move_shows_in_the_scraped_counters_and_latency_and_no_tenant_does()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        await using var app = TestApp.Create(database.AppConnectionString);
        var scraper = app.CreateClient(); // anonymous, as Prometheus is
        var manager = await ApiTests.CallerAsync(app, tenant, TenantRole.Manager);
        var before = await scraper.GetStringAsync("/ops/metrics");

        Guid card;
        await using (var db = await database.OwnerContextAsync(tenant.Id))
            card = await db.Cards.Where(c => c.Stage == "new").Select(c => c.Id).FirstAsync();
        await ApiTests.JsonAsync(await manager.PostAsync("/api/v1/kanban/move", new { entityType = "lead", entityId = card, toStageId = "qualified", toIndex = 0, expectedVersion = 1 }), HttpStatusCode.OK);

        // The exporter keeps a scrape for a moment: ask until the move is in it.
        string after = before;
        for (var i = 0; i < 50 && Value(after, "kanban_board_events_published_total") <= Value(before, "kanban_board_events_published_total"); i++)
        {
            await Task.Delay(100);
            after = await scraper.GetStringAsync("/ops/metrics");
        }
        Assert.True(Value(after, "kanban_board_events_published_total") >= Value(before, "kanban_board_events_published_total") + 1, after);
        Assert.True(Value(after, "kanban_board_move_duration_milliseconds_count") >= Value(before, "kanban_board_move_duration_milliseconds_count") + 1, after);
        Assert.Contains("kanban_board_views_open", after);
        // Npgsql's pool and the server's requests are there too; the tenant is not.
        Assert.Contains("db_client_connection", after);
        Assert.Contains("http_server_request_duration", after);
        Assert.DoesNotContain(tenant.Id.ToString(), after);
        Assert.DoesNotContain(tenant.Slug, after);
    }
}

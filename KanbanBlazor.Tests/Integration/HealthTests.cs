using System.Net;
using System.Text.Json;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

[Collection(DatabaseCollection.Name)]
public sealed class HealthTests(TestDatabase database)
{
    [Fact]
    public async Task Healthz_reports_healthy_when_the_database_answers_the_app_role()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var response = await app.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_reports_unhealthy_with_503_when_the_database_is_unreachable()
    {
        // Nothing listens on port 1.
        await using var app = TestApp.Create("Host=127.0.0.1;Port=1;Database=kanban;Username=kanban_app;Timeout=2");
        var response = await app.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
        Assert.DoesNotContain("   at ", text); // no stack trace to the caller
    }
}

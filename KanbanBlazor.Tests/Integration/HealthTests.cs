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
        // An anonymous caller learns healthy or not, never how busy the app is.
        Assert.False(body.RootElement.GetProperty("checks").GetProperty("live").TryGetProperty("data", out _));
        Assert.DoesNotContain("viewers", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_for_a_host_the_app_does_not_serve_is_refused_not_redirected_there()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var request = new HttpRequestMessage(HttpMethod.Get, "/board/lead");
        request.Headers.Host = "evil.example";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
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

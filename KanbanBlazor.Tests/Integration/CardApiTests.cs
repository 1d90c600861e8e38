using System.Net;
using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>/api/v1/kanban/items from outside: create, read, replace and delete, and how each says no.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CardApiTests(TestDatabase database)
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string code)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ApiTests.JsonAsync(response, expected);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    private async Task<long> EventsAsync(TestTenant tenant)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Moves.LongCountAsync();
    }

    [Fact]
    public async Task An_item_is_created_read_replaced_and_deleted_with_the_version_read()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var manager = await ApiTests.CallerAsync(app, tenant, TenantRole.Manager);

        var created = await ApiTests.JsonAsync(await manager.PostAsync("/api/v1/kanban/items/lead",
            new { stageId = "contacted", title = "Hooli: 300 seats", company = "Hooli", email = "gavin@hooli.example", score = 55, value = 12000.50m, currency = "eur" }),
            HttpStatusCode.Created);
        var item = created.GetProperty("item");
        var id = item.GetProperty("id").GetGuid();
        Assert.Equal(("contacted", 1, "EUR", 12000.50m), (item.GetProperty("stageId").GetString(), item.GetProperty("version").GetInt32(), item.GetProperty("currency").GetString(), item.GetProperty("value").GetDecimal()));
        Assert.Equal(tenant.As(TenantRole.Manager).UserDisplayName, item.GetProperty("ownerName").GetString());

        var read = await ApiTests.JsonAsync(await manager.GetAsync($"/api/v1/kanban/items/lead/{id}"), HttpStatusCode.OK);
        Assert.Equal("gavin@hooli.example", read.GetProperty("email").GetString());

        var replaced = await ApiTests.JsonAsync(await manager.SendAsync(HttpMethod.Put, $"/api/v1/kanban/items/lead/{id}",
            new { expectedVersion = 1, title = "Hooli: 350 seats", company = "Hooli", score = 60, value = 14000m, currency = "EUR" }), HttpStatusCode.OK);
        Assert.Equal(2, replaced.GetProperty("item").GetProperty("version").GetInt32());
        // The email was left out of the PUT: it is emptied, and the change says so.
        Assert.Equal(["title", "email", "score", "value"], replaced.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("field").GetString()));

        await ProblemAsync(await manager.SendAsync(HttpMethod.Delete, $"/api/v1/kanban/items/lead/{id}?expectedVersion=1"), HttpStatusCode.Conflict, "STALE_VERSION");
        Assert.Equal(HttpStatusCode.NoContent, (await manager.SendAsync(HttpMethod.Delete, $"/api/v1/kanban/items/lead/{id}?expectedVersion=2")).StatusCode);
        await ProblemAsync(await manager.GetAsync($"/api/v1/kanban/items/lead/{id}"), HttpStatusCode.NotFound, "ITEM_NOT_FOUND");
        Assert.Equal(3, await EventsAsync(tenant));
    }

    [Fact]
    public async Task Bad_fields_a_stale_version_a_viewer_and_another_tenants_item_each_get_their_own_answer_and_change_nothing()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var other = await database.CreateTenantAsync(cardsPerStage: 1);
        var rep = await ApiTests.CallerAsync(app, tenant, TenantRole.SalesRep);
        var manager = await ApiTests.CallerAsync(app, tenant, TenantRole.Manager);
        var viewer = await ApiTests.CallerAsync(app, tenant, TenantRole.Viewer);
        var stranger = await ApiTests.CallerAsync(app, other, TenantRole.Admin);
        Card card;
        await using (var db = await database.OwnerContextAsync(tenant.Id))
            card = await db.Cards.AsNoTracking().Where(c => c.Stage == "new").FirstAsync();

        var invalid = await ProblemAsync(await rep.PostAsync("/api/v1/kanban/items/lead", new { stageId = "new", title = "", email = "nope", score = 101 }),
            HttpStatusCode.BadRequest, "INVALID_FIELDS");
        Assert.Equal(["title", "email", "score"], invalid.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        await ProblemAsync(await rep.PostAsync("/api/v1/kanban/items/lead", new { stageId = "new", title = "x", surprise = 1 }), HttpStatusCode.BadRequest, "INVALID_JSON");
        await ProblemAsync(await rep.PostAsync("/api/v1/kanban/items/lead", new { stageId = "nowhere", title = "x" }), HttpStatusCode.UnprocessableEntity, "UNKNOWN_STAGE");
        await ProblemAsync(await viewer.PostAsync("/api/v1/kanban/items/lead", new { stageId = "new", title = "x" }), HttpStatusCode.Forbidden, "NOT_PERMITTED");
        await ProblemAsync(await rep.SendAsync(HttpMethod.Delete, $"/api/v1/kanban/items/lead/{card.Id}?expectedVersion=1"), HttpStatusCode.Forbidden, "NOT_PERMITTED");
        await ProblemAsync(await stranger.SendAsync(HttpMethod.Put, $"/api/v1/kanban/items/lead/{card.Id}", new { expectedVersion = 1, title = "Mine now" }),
            HttpStatusCode.NotFound, "ITEM_NOT_FOUND");
        await ProblemAsync(await stranger.GetAsync($"/api/v1/kanban/items/lead/{card.Id}"), HttpStatusCode.NotFound, "ITEM_NOT_FOUND");
        await ProblemAsync(await manager.SendAsync(HttpMethod.Put, $"/api/v1/kanban/items/lead/{card.Id}", new { title = "No version" }), HttpStatusCode.BadRequest, "INVALID_FIELDS");
        Assert.Equal(0, await EventsAsync(tenant));

        await ApiTests.JsonAsync(await manager.SendAsync(HttpMethod.Put, $"/api/v1/kanban/items/lead/{card.Id}",
            new { expectedVersion = 1, title = card.Title, company = "Vandelay", value = card.Value }), HttpStatusCode.OK);
        var stale = await ProblemAsync(await rep.SendAsync(HttpMethod.Put, $"/api/v1/kanban/items/lead/{card.Id}", new { expectedVersion = 1, title = "Rep's title", value = card.Value }),
            HttpStatusCode.Conflict, "STALE_VERSION");
        Assert.Equal(2, stale.GetProperty("currentVersion").GetInt32());
        var change = Assert.Single(stale.GetProperty("changes").EnumerateArray());
        Assert.Equal(("company", "Vandelay", tenant.As(TenantRole.Manager).UserDisplayName), (change.GetProperty("field").GetString(), change.GetProperty("to").GetString(), change.GetProperty("by").GetString()));
        Assert.Equal(1, await EventsAsync(tenant));
        Assert.Equal(0, await EventsAsync(other));
    }
}

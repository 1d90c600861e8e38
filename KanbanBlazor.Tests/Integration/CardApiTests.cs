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

    public enum ApiAction { Create, EditOwn, EditOthers, Delete, Import }

    [Theory]
    [InlineData(TenantRole.Viewer, ApiAction.Create, HttpStatusCode.Forbidden)]
    [InlineData(TenantRole.Viewer, ApiAction.EditOwn, HttpStatusCode.Forbidden)]
    [InlineData(TenantRole.Viewer, ApiAction.Delete, HttpStatusCode.Forbidden)]
    [InlineData(TenantRole.Viewer, ApiAction.Import, HttpStatusCode.Forbidden)]
    [InlineData(TenantRole.SalesRep, ApiAction.Create, HttpStatusCode.Created)]
    [InlineData(TenantRole.SalesRep, ApiAction.EditOwn, HttpStatusCode.OK)]
    [InlineData(TenantRole.SalesRep, ApiAction.EditOthers, HttpStatusCode.Forbidden)]
    [InlineData(TenantRole.SalesRep, ApiAction.Delete, HttpStatusCode.Forbidden)]
    [InlineData(TenantRole.SalesRep, ApiAction.Import, HttpStatusCode.OK)]
    [InlineData(TenantRole.Manager, ApiAction.EditOthers, HttpStatusCode.OK)]
    [InlineData(TenantRole.Manager, ApiAction.Delete, HttpStatusCode.NoContent)]
    [InlineData(TenantRole.Admin, ApiAction.EditOthers, HttpStatusCode.OK)]
    [InlineData(TenantRole.Admin, ApiAction.Delete, HttpStatusCode.NoContent)]
    public async Task Each_role_gets_its_answer_from_the_items_api(TenantRole role, ApiAction action, HttpStatusCode expected)
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var caller = await ApiTests.CallerAsync(app, tenant, role);
        Card own, others;
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var cards = await db.Cards.OrderBy(c => c.Stage).ToListAsync();
            (own, others) = (cards[0], cards[1]);
            own.OwnerId = tenant.As(role).UserId;
            others.OwnerId = tenant.As(role == TenantRole.Manager ? TenantRole.Admin : TenantRole.Manager).UserId;
            await db.SaveChangesAsync();
        }
        var before = await EventsAsync(tenant);

        var response = action switch
        {
            ApiAction.Create => await caller.PostAsync("/api/v1/kanban/items/lead", new { stageId = "new", title = "New lead" }),
            ApiAction.EditOwn => await caller.SendAsync(HttpMethod.Put, $"/api/v1/kanban/items/lead/{own.Id}", new { expectedVersion = own.Version, title = "Renamed", value = own.Value }),
            ApiAction.EditOthers => await caller.SendAsync(HttpMethod.Put, $"/api/v1/kanban/items/lead/{others.Id}", new { expectedVersion = others.Version, title = "Renamed", value = others.Value }),
            ApiAction.Delete => await caller.SendAsync(HttpMethod.Delete, $"/api/v1/kanban/items/lead/{others.Id}?expectedVersion={others.Version}"),
            _ => await caller.SendRawAsync(HttpMethod.Post, "/api/v1/kanban/items/lead/import", "stage,title\r\nnew,Imported\r\n", "text/csv"),
        };

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(before + ((int)expected < 300 ? 1 : 0), await EventsAsync(tenant));
    }
}

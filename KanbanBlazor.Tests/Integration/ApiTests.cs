using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The REST API from outside, as an integration would call it: tokens, tenants, moves and their
/// refusals, undo and redo, configuration, cursors, the log, rate limits.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ApiTests(TestDatabase database)
{
    /// <summary>An API caller: a token for one membership, sent with that tenant's slug.</summary>
    internal sealed class Caller(HttpClient client, string token, string tenant)
    {
        public string Token => token;

        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object? body = null, string? tenantHeader = null, string? rawBody = null)
        {
            var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new("Bearer", token);
            request.Headers.Add("X-Tenant-Id", tenantHeader ?? tenant);
            if (rawBody is not null) request.Content = new StringContent(rawBody, Encoding.UTF8, "application/json");
            else if (body is not null) request.Content = JsonContent.Create(body);
            return client.SendAsync(request);
        }

        public Task<HttpResponseMessage> GetAsync(string url) => SendAsync(HttpMethod.Get, url);

        public Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string url, string body, string contentType)
        {
            var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            request.Headers.Authorization = new("Bearer", token);
            request.Headers.Add("X-Tenant-Id", tenant);
            return client.SendAsync(request);
        }
        public Task<HttpResponseMessage> PostAsync(string url, object? body = null, string? rawBody = null) => SendAsync(HttpMethod.Post, url, body, rawBody: rawBody);
    }

    internal static async Task<Caller> CallerAsync(WebApplicationFactory<Program> app, TestTenant tenant, TenantRole role)
    {
        var email = await SignInGuardTests.SignInUserAsync(app, tenant, role);
        var client = app.CreateClient();
        var answer = await client.PostAsJsonAsync("/api/v1/auth/token", new { email, password = SignInGuardTests.UserPassword, tenant = tenant.Slug });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        return new Caller(client, body.RootElement.GetProperty("accessToken").GetString()!, tenant.Slug);
    }

    internal static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string> ProblemCodeAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(response, expected);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem.GetProperty("code").GetString()!;
    }

    private async Task<(long Events, Card Card)> StoredAsync(TestTenant tenant, Guid cardId)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return (await db.Moves.LongCountAsync(), await db.Cards.AsNoTracking().SingleAsync(c => c.Id == cardId));
    }

    private async Task<Card> FirstCardAsync(TestTenant tenant, string stage)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Cards.AsNoTracking().Where(c => c.Stage == stage).OrderBy(c => c.Position).FirstAsync();
    }

    [Fact]
    public async Task A_token_is_for_one_membership_and_another_tenants_header_gets_403()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync();
        var other = await database.CreateTenantAsync();
        var rep = await CallerAsync(app, tenant, TenantRole.SalesRep);

        var board = await JsonAsync(await rep.GetAsync("/api/v1/kanban/board/lead"), HttpStatusCode.OK);
        Assert.Equal(7, board.GetProperty("stages").GetArrayLength());
        Assert.Equal(3, board.GetProperty("stages")[0].GetProperty("count").GetInt32());

        Assert.Equal("WRONG_TENANT", await ProblemCodeAsync(await rep.SendAsync(HttpMethod.Get, "/api/v1/kanban/board/lead", tenantHeader: other.Slug), HttpStatusCode.Forbidden));
        Assert.Equal("WRONG_TENANT", await ProblemCodeAsync(await rep.SendAsync(HttpMethod.Get, "/api/v1/kanban/board/lead", tenantHeader: other.Id.ToString()), HttpStatusCode.Forbidden));
        var noHeader = new HttpRequestMessage(HttpMethod.Get, "/api/v1/kanban/board/lead");
        noHeader.Headers.Authorization = new("Bearer", rep.Token);
        Assert.Equal("TENANT_HEADER_REQUIRED", await ProblemCodeAsync(await app.CreateClient().SendAsync(noHeader), HttpStatusCode.BadRequest));

        var client = app.CreateClient();
        var repEmail = $"{TenantRole.SalesRep}@{tenant.Slug}.test";
        Assert.Equal("INVALID_CREDENTIALS", await ProblemCodeAsync(
            await client.PostAsJsonAsync("/api/v1/auth/token", new { email = repEmail, password = "wrong", tenant = tenant.Slug }), HttpStatusCode.Unauthorized));
        // Another organisation, and one that does not exist, get the same answer.
        var notMember = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = repEmail, password = SignInGuardTests.UserPassword, tenant = other.Slug });
        var noSuch = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = repEmail, password = SignInGuardTests.UserPassword, tenant = "no-such-org" });
        Assert.Equal("NOT_A_MEMBER", await ProblemCodeAsync(notMember, HttpStatusCode.Forbidden));
        Assert.Equal("NOT_A_MEMBER", await ProblemCodeAsync(noSuch, HttpStatusCode.Forbidden));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/kanban/board/lead")).StatusCode);
    }

    [Fact]
    public async Task A_token_ends_with_its_users_session_its_membership_and_its_lifetime()
    {
        // Long enough that the checks before the expiry run within it on a busy machine (at 3 s they once did not).
        await using var app = TestApp.Create(database.AppConnectionString, ("Api:TokenLifetime", "00:00:08"));
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var rep = await CallerAsync(app, tenant, TenantRole.SalesRep);
        var manager = await CallerAsync(app, tenant, TenantRole.Manager);
        var viewer = await CallerAsync(app, tenant, TenantRole.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await rep.GetAsync("/api/v1/kanban/board/lead")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync("/api/v1/kanban/board/lead")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/kanban/board/lead")).StatusCode);

        // Signing out everywhere (a new security stamp) ends the rep's token.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByIdAsync(tenant.As(TenantRole.SalesRep).UserId.ToString()))!);
        }
        Assert.Equal("TOKEN_REVOKED", await ProblemCodeAsync(await rep.GetAsync("/api/v1/kanban/board/lead"), HttpStatusCode.Unauthorized));

        // A removed membership ends the manager's.
        await using (var db = await database.OwnerContextAsync(tenant.Id))
            await db.Members.Where(m => m.UserId == tenant.As(TenantRole.Manager).UserId).ExecuteDeleteAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await manager.GetAsync("/api/v1/kanban/board/lead")).StatusCode);

        // And every token expires.
        await Task.Delay(TimeSpan.FromSeconds(8.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.GetAsync("/api/v1/kanban/board/lead")).StatusCode);
    }

    [Fact]
    public async Task A_changed_role_and_a_deactivated_membership_take_effect_on_the_tokens_very_next_request()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var manager = await CallerAsync(app, tenant, TenantRole.Manager);
        var card = await FirstCardAsync(tenant, "new");
        object Move(string to, int version) => new { entityType = "lead", entityId = card.Id, toStageId = to, toIndex = 0, expectedVersion = version };
        await JsonAsync(await manager.PostAsync("/api/v1/kanban/move", Move("contacted", card.Version)), HttpStatusCode.OK);

        // Demoted to viewer (as an admin elsewhere would, committed before the next request): the same token may no longer move.
        var managerId = tenant.As(TenantRole.Manager).UserId;
        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, $"UPDATE tenant_memberships SET role = 'Viewer' WHERE user_id = '{managerId}'");
        Assert.Equal("NOT_PERMITTED", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move", Move("new", card.Version + 1)), HttpStatusCode.Forbidden));
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync("/api/v1/kanban/board/lead")).StatusCode);

        // Deactivated: not a member any more, so the tenant is not found for it.
        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, $"UPDATE tenant_memberships SET deactivated_at = now() WHERE user_id = '{managerId}'");
        Assert.Equal(HttpStatusCode.NotFound, (await manager.GetAsync("/api/v1/kanban/board/lead")).StatusCode);
        var (_, stored) = await StoredAsync(tenant, card.Id);
        Assert.Equal(("contacted", card.Version + 1), (stored.Stage, stored.Version));
    }

    [Fact]
    public async Task A_move_answers_200_409_or_422_with_a_code_and_a_refusal_writes_nothing()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync();
        var other = await database.CreateTenantAsync();
        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, """
            UPDATE kanban_stages SET wip_hard_limit = 3 WHERE key = 'qualified';
            UPDATE kanban_stages SET requires_reason = true WHERE key = 'lost';
            UPDATE kanban_configs SET allowed_transitions = '[["new","contacted"],["contacted","new"],["new","lost"],["new","qualified"],["contacted","qualified"]]';
            """);
        var manager = await CallerAsync(app, tenant, TenantRole.Manager);
        var viewer = await CallerAsync(app, tenant, TenantRole.Viewer);
        var card = await FirstCardAsync(tenant, "new");
        object Move(string to, int version, string? reason = null, bool wipOverride = false, Guid? id = null) =>
            new { entityType = "lead", entityId = id ?? card.Id, toStageId = to, toIndex = 0, expectedVersion = version, reason, wipOverride };

        var moved = await JsonAsync(await manager.PostAsync("/api/v1/kanban/move", Move("contacted", card.Version)), HttpStatusCode.OK);
        Assert.Equal("contacted", moved.GetProperty("move").GetProperty("toStageId").GetString());
        Assert.Equal(card.Version + 1, moved.GetProperty("move").GetProperty("version").GetInt32());
        var (eventsAfterMove, stored) = await StoredAsync(tenant, card.Id);
        Assert.Equal("contacted", stored.Stage);

        // Every refusal: its status and code, and nothing written.
        var stale = await manager.PostAsync("/api/v1/kanban/move", Move("new", card.Version));
        var staleBody = await JsonAsync(stale, HttpStatusCode.Conflict);
        Assert.Equal("STALE_VERSION", staleBody.GetProperty("code").GetString());
        Assert.Equal(card.Version + 1, staleBody.GetProperty("currentVersion").GetInt32());
        Assert.Equal(tenant.As(TenantRole.Manager).UserDisplayName, staleBody.GetProperty("movedBy").GetString());
        Assert.Equal("contacted", staleBody.GetProperty("movedTo").GetString());

        var version = card.Version + 1;
        Assert.Equal("TRANSITION_NOT_ALLOWED", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move", Move("won", version)), HttpStatusCode.UnprocessableEntity));
        Assert.Equal("UNKNOWN_STAGE", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move", Move("nowhere", version)), HttpStatusCode.UnprocessableEntity));
        Assert.Equal("WIP_HARD_LIMIT", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move", Move("qualified", version)), HttpStatusCode.UnprocessableEntity));
        Assert.Equal("REASON_REQUIRED", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move", Move("qualified", version, wipOverride: true)), HttpStatusCode.UnprocessableEntity));
        Assert.Equal("REASON_TOO_LONG", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move", Move("new", version, reason: new string('x', 501))), HttpStatusCode.UnprocessableEntity));
        Assert.Equal("NOT_PERMITTED", await ProblemCodeAsync(await viewer.PostAsync("/api/v1/kanban/move", Move("new", version)), HttpStatusCode.Forbidden));
        // Another tenant's card is no card at all here.
        var foreign = await FirstCardAsync(other, "new");
        Assert.Equal("ITEM_NOT_FOUND", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move", Move("new", foreign.Version, id: foreign.Id)), HttpStatusCode.NotFound));
        Assert.Equal("UNKNOWN_ENTITY_TYPE", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move",
            new { entityType = "dragon", entityId = card.Id, toStageId = "new", toIndex = 0, expectedVersion = version }), HttpStatusCode.NotFound));
        // Malformed bodies: unreadable JSON, a wrong type, a missing field, a misspelt one.
        foreach (var raw in new[]
        {
            "{\"entityType\":\"lead\"",
            $"{{\"entityType\":\"lead\",\"entityId\":\"{card.Id}\",\"toStageId\":\"new\",\"toIndex\":\"first\",\"expectedVersion\":{version}}}",
            $"{{\"entityType\":\"lead\",\"entityId\":\"{card.Id}\",\"toStageId\":\"new\",\"toIndex\":0}}",
            $"{{\"entityType\":\"lead\",\"entityId\":\"{card.Id}\",\"toStageId\":\"new\",\"toIndex\":0,\"expectedVersion\":{version},\"reasn\":\"typo\"}}",
        })
        {
            var answer = await manager.PostAsync("/api/v1/kanban/move", rawBody: raw);
            Assert.Equal("INVALID_JSON", await ProblemCodeAsync(answer, HttpStatusCode.BadRequest));
        }
        var (eventsAfterRefusals, unchanged) = await StoredAsync(tenant, card.Id);
        Assert.Equal(eventsAfterMove, eventsAfterRefusals);
        Assert.Equal((stored.Stage, stored.Position, stored.Version), (unchanged.Stage, unchanged.Position, unchanged.Version));

        // An override with a reason is allowed to a Manager, and recorded.
        var overridden = await JsonAsync(await manager.PostAsync("/api/v1/kanban/move", Move("qualified", version, reason: "Board review today", wipOverride: true)), HttpStatusCode.OK);
        Assert.True(overridden.GetProperty("wipOverride").GetBoolean());
    }

    [Fact]
    public async Task Undo_and_redo_through_the_api_take_back_and_make_again_the_callers_move()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync();
        var rep = await CallerAsync(app, tenant, TenantRole.SalesRep);
        var card = await FirstCardAsync(tenant, "new");

        Assert.Equal("NOTHING_TO_UNDO", await ProblemCodeAsync(await rep.PostAsync("/api/v1/kanban/undo", new { entityType = "lead" }), HttpStatusCode.Conflict));
        await JsonAsync(await rep.PostAsync("/api/v1/kanban/move", new { entityType = "lead", entityId = card.Id, toStageId = "proposal", toIndex = 1, expectedVersion = card.Version }), HttpStatusCode.OK);
        var undone = await JsonAsync(await rep.PostAsync("/api/v1/kanban/undo", new { entityType = "lead" }), HttpStatusCode.OK);
        Assert.Equal("new", undone.GetProperty("move").GetProperty("toStageId").GetString());
        Assert.Equal(card.Position, undone.GetProperty("move").GetProperty("position").GetString());
        Assert.Equal(card.Position, (await StoredAsync(tenant, card.Id)).Card.Position);
        var redone = await JsonAsync(await rep.PostAsync("/api/v1/kanban/redo", new { entityType = "lead" }), HttpStatusCode.OK);
        Assert.Equal("proposal", redone.GetProperty("move").GetProperty("toStageId").GetString());
        Assert.Equal("proposal", (await StoredAsync(tenant, card.Id)).Card.Stage);
    }

    [Fact]
    public async Task Configuration_is_read_and_saved_by_version_by_admins_and_takes_effect_at_once()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var admin = await CallerAsync(app, tenant, TenantRole.Admin);
        var manager = await CallerAsync(app, tenant, TenantRole.Manager);

        var config = await JsonAsync(await admin.GetAsync("/api/v1/kanban/config/lead"), HttpStatusCode.OK);
        var version = config.GetProperty("version").GetInt32();
        var stages = config.GetProperty("stages").EnumerateArray().Select(s => new Dictionary<string, object?>
        {
            ["id"] = s.GetProperty("id").GetString(), ["name"] = s.GetProperty("name").GetString(), ["outcome"] = s.GetProperty("outcome").GetString(),
        }).ToList();
        object Body(int v, IEnumerable<Dictionary<string, object?>> s, object? transitions = null) =>
            new { version = v, stages = s, allowedTransitions = transitions, workStartedStage = "contacted" };

        stages[1]["wipSoftLimit"] = 2;
        stages[1]["wipHardLimit"] = 2;
        stages[1]["name"] = "Reached out";
        stages[6]["requiresReason"] = true;
        Assert.Equal("NOT_PERMITTED", await ProblemCodeAsync(await manager.SendAsync(HttpMethod.Put, "/api/v1/kanban/config/lead", Body(version, stages)), HttpStatusCode.Forbidden));
        var saved = await JsonAsync(await admin.SendAsync(HttpMethod.Put, "/api/v1/kanban/config/lead", Body(version, stages)), HttpStatusCode.OK);
        Assert.Equal(version + 1, saved.GetProperty("version").GetInt32());
        Assert.Equal("Reached out", (await JsonAsync(await manager.GetAsync("/api/v1/kanban/config/lead"), HttpStatusCode.OK)).GetProperty("stages")[1].GetProperty("name").GetString());

        // A save made from the old version is refused, not merged.
        var stale = await JsonAsync(await admin.SendAsync(HttpMethod.Put, "/api/v1/kanban/config/lead", Body(version, stages)), HttpStatusCode.Conflict);
        Assert.Equal(version + 1, stale.GetProperty("currentVersion").GetInt32());
        // Invalid proposals say which field and why.
        stages[2]["wipSoftLimit"] = 9;
        stages[2]["wipHardLimit"] = 4;
        var invalid = await JsonAsync(await admin.SendAsync(HttpMethod.Put, "/api/v1/kanban/config/lead", Body(version + 1, stages, new[] { new { from = "new", to = "nowhere" } })), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("INVALID_CONFIG", invalid.GetProperty("code").GetString());
        var fields = invalid.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("stages[2].wipSoftLimit", fields);
        Assert.Contains("allowedTransitions", fields);
        stages[2].Remove("wipSoftLimit");
        stages[2].Remove("wipHardLimit");
        // A stage holding cards cannot be removed.
        var notEmpty = await JsonAsync(await admin.SendAsync(HttpMethod.Put, "/api/v1/kanban/config/lead", Body(version + 1, stages.Where(s => (string?)s["id"] != "qualified"))), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("STAGE_NOT_EMPTY", notEmpty.GetProperty("code").GetString());
        Assert.Equal(2, notEmpty.GetProperty("stages").GetProperty("qualified").GetInt32());

        // The saved limits hold at once: the stage already has 2 of 2.
        var card = await FirstCardAsync(tenant, "new");
        Assert.Equal("WIP_HARD_LIMIT", await ProblemCodeAsync(await manager.PostAsync("/api/v1/kanban/move",
            new { entityType = "lead", entityId = card.Id, toStageId = "contacted", toIndex = 0, expectedVersion = card.Version }), HttpStatusCode.UnprocessableEntity));
        var log = await JsonAsync(await admin.GetAsync("/api/v1/kanban/moves/lead"), HttpStatusCode.OK);
        var configured = Assert.Single(log.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "BoardConfigured");
        Assert.Equal(version + 1, configured.GetProperty("metadata").GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Cursor_pages_walk_a_stage_and_the_log_in_order_without_repeats()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 7);
        var rep = await CallerAsync(app, tenant, TenantRole.SalesRep);
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            // Two cards on one key: the id breaks the tie, so neither is skipped nor repeated.
            var twins = await db.Cards.Where(c => c.Stage == "new").OrderBy(c => c.Position).Take(4).ToListAsync();
            twins[3].Position = twins[2].Position;
            await db.SaveChangesAsync();
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await JsonAsync(await rep.GetAsync($"/api/v1/kanban/board/lead/stages/new/items?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}"), HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null);
        Assert.Equal(3, pages);
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var expected = (await db.Cards.Where(c => c.Stage == "new").ToListAsync())
                .OrderBy(c => c.Position, StringComparer.Ordinal).ThenBy(c => c.Id.ToString(), StringComparer.Ordinal).Select(c => c.Id.ToString()).ToList();
            Assert.Equal(expected, seen);
        }

        Assert.Equal("INVALID_CURSOR", await ProblemCodeAsync(await rep.GetAsync("/api/v1/kanban/board/lead/stages/new/items?cursor=bm9wZQ"), HttpStatusCode.BadRequest));
        Assert.Equal("INVALID_LIMIT", await ProblemCodeAsync(await rep.GetAsync("/api/v1/kanban/board/lead/stages/new/items?limit=0"), HttpStatusCode.BadRequest));
        Assert.Equal("BAD_REQUEST", await ProblemCodeAsync(await rep.GetAsync("/api/v1/kanban/board/lead/stages/new/items?limit=many"), HttpStatusCode.BadRequest));
        Assert.Equal("STAGE_NOT_FOUND", await ProblemCodeAsync(await rep.GetAsync("/api/v1/kanban/board/lead/stages/nowhere/items"), HttpStatusCode.NotFound));

        // The log, two events a page, after three moves.
        var cards = seen.Take(3).ToList();
        foreach (var id in cards)
            await JsonAsync(await rep.PostAsync("/api/v1/kanban/move", new { entityType = "lead", entityId = Guid.Parse(id), toStageId = "negotiation", toIndex = 0, expectedVersion = 1 }), HttpStatusCode.OK);
        var sequences = new List<long>();
        cursor = null;
        do
        {
            var page = await JsonAsync(await rep.GetAsync($"/api/v1/kanban/moves/lead?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}"), HttpStatusCode.OK);
            sequences.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        Assert.Equal([1, 2, 3], sequences);
        var one = await JsonAsync(await rep.GetAsync($"/api/v1/kanban/moves/lead?entityId={cards[1]}"), HttpStatusCode.OK);
        Assert.Equal(2, Assert.Single(one.GetProperty("events").EnumerateArray()).GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Each_token_has_its_own_rate_limit_and_cookies_cannot_make_changes()
    {
        await using var app = TestApp.Create(database.AppConnectionString, ("RateLimits:ApiPerMinute", "5"));
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var rep = await CallerAsync(app, tenant, TenantRole.SalesRep);
        var manager = await CallerAsync(app, tenant, TenantRole.Manager);

        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await rep.GetAsync("/api/v1/kanban/board/lead")).StatusCode);
        var limited = await rep.GetAsync("/api/v1/kanban/board/lead");
        Assert.Equal("RATE_LIMITED", await ProblemCodeAsync(limited, HttpStatusCode.TooManyRequests));
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync("/api/v1/kanban/board/lead")).StatusCode);

        // Signed in with a cookie: reading is fine, changing is not (no CSRF through the API).
        var browser = app.CreateDefaultClient(new SignInGuardTests.CookieJar(new CookieContainer()));
        var email = await SignInGuardTests.SignInUserAsync(app, tenant, TenantRole.Admin);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInGuardTests.PostAsync(browser, email, SignInGuardTests.UserPassword)).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/kanban/board/lead")).StatusCode);
        var card = await FirstCardAsync(tenant, "new");
        var posted = await browser.PostAsJsonAsync("/api/v1/kanban/move", new { entityType = "lead", entityId = card.Id, toStageId = "won", toIndex = 0, expectedVersion = card.Version });
        Assert.Equal("TOKEN_REQUIRED", await ProblemCodeAsync(posted, HttpStatusCode.Forbidden));
        Assert.Equal("new", (await StoredAsync(tenant, card.Id)).Card.Stage);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_with_the_bearer_scheme_and_tenant_header()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var document = await JsonAsync(await app.CreateClient().GetAsync("/api/v1/openapi.json"), HttpStatusCode.OK);
        var paths = document.GetProperty("paths");
        foreach (var path in new[]
        {
            "/api/v1/auth/token", "/api/v1/kanban/board/{entityType}", "/api/v1/kanban/board/{entityType}/stages/{stageId}/items",
            "/api/v1/kanban/move", "/api/v1/kanban/undo", "/api/v1/kanban/redo", "/api/v1/kanban/config/{entityType}",
            "/api/v1/kanban/lock/{entityType}/{id}", "/api/v1/kanban/moves/{entityType}", "/api/v1/kanban/consistency/{entityType}",
        })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not described");
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        var move = paths.GetProperty("/api/v1/kanban/move").GetProperty("post");
        Assert.Contains(move.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "X-Tenant-Id");
        Assert.True(move.GetProperty("responses").TryGetProperty("422", out _));
        Assert.False(paths.TryGetProperty("/account/logout", out _));
    }
}

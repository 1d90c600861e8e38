using System.Net;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// The app behind PgBouncer in transaction pooling mode, with ONE server connection for all clients
/// (./test.sh starts it: scripts/pgbouncer.sh, KANBAN_TEST_PGBOUNCER_PORT): every client's transactions
/// take turns on the same PostgreSQL session. Row-level security alone (the query filters switched off)
/// must still show each context its own tenant's rows only, however their statements interleave: a
/// tenant set for the session would be read by the next tenant's statement on that server connection.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PgBouncerTenancyTests(TestDatabase database)
{
    private IDbContextFactory<KanbanDbContext> ThroughPgBouncer() => KanbanContexts.Pooled(PgBouncerConnectionString());

    private string PgBouncerConnectionString()
    {
        var port = Environment.GetEnvironmentVariable("KANBAN_TEST_PGBOUNCER_PORT")
            ?? throw new InvalidOperationException("KANBAN_TEST_PGBOUNCER_PORT is not set: run the tests with ./test.sh, which starts PgBouncer (scripts/pgbouncer.sh).");
        // Prepared statements do not survive transaction pooling (PgBouncer 1.18): none are kept.
        var builder = new NpgsqlConnectionStringBuilder(database.AppConnectionString)
        {
            Host = "127.0.0.1", Port = int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), MaxAutoPrepare = 0,
        };
        return builder.ConnectionString;
    }

    private async Task<HashSet<Guid>> CardsOfAsync(Guid tenantId)
    {
        await using var db = await database.OwnerContextAsync(tenantId);
        return (await db.Cards.AsNoTracking().Select(c => c.Id).ToListAsync()).ToHashSet();
    }

    [Fact]
    public async Task Interleaved_tenants_on_one_pooled_server_connection_each_see_only_their_own_rows()
    {
        var acme = await database.CreateTenantAsync(cardsPerStage: 2);
        var globex = await database.CreateTenantAsync(cardsPerStage: 3);
        var acmeCards = await CardsOfAsync(acme.Id);
        var globexCards = await CardsOfAsync(globex.Id);
        var factory = ThroughPgBouncer();

        // Both contexts open their connections first (a session setting made now would be globex's for both), then read.
        await using (var a = await factory.CreateForTenantAsync(acme.Id, default))
        await using (var g = await factory.CreateForTenantAsync(globex.Id, default))
        {
            await a.Database.OpenConnectionAsync();
            await g.Database.OpenConnectionAsync();
            Assert.Equal(acmeCards, (await a.Cards.IgnoreQueryFilters().Select(c => c.Id).ToListAsync()).ToHashSet());
            Assert.Equal(globexCards, (await g.Cards.IgnoreQueryFilters().Select(c => c.Id).ToListAsync()).ToHashSet());
            Assert.Equal(acmeCards, (await a.Cards.IgnoreQueryFilters().Select(c => c.Id).ToListAsync()).ToHashSet());
            // In a transaction the context begins (which holds the one server connection until it ends), then the other again.
            await using (var tx = await a.Database.BeginTransactionAsync())
            {
                Assert.Equal(acmeCards.Count, await a.Cards.IgnoreQueryFilters().CountAsync());
                Assert.Equal(acmeCards, (await a.Cards.IgnoreQueryFilters().Select(c => c.Id).ToListAsync()).ToHashSet());
                await tx.CommitAsync();
            }
            Assert.Equal(globexCards.Count, await g.Cards.IgnoreQueryFilters().CountAsync());
        }

        // Many at once, each alternating: every read sees exactly its tenant's cards.
        var readers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var (tenant, expected) = i % 2 == 0 ? (acme.Id, acmeCards) : (globex.Id, globexCards);
            for (var round = 0; round < 25; round++)
            {
                await using var db = await factory.CreateForTenantAsync(tenant, default);
                var seen = await db.Cards.IgnoreQueryFilters().Select(c => c.Id).ToListAsync();
                Assert.Equal(expected, seen.ToHashSet());
            }
        }));
        await Task.WhenAll(readers);
    }

    [Fact]
    public async Task A_write_through_PgBouncer_lands_in_its_tenant_and_nowhere_else()
    {
        var acme = await database.CreateTenantAsync(cardsPerStage: 1);
        var globex = await database.CreateTenantAsync(cardsPerStage: 1);
        var factory = ThroughPgBouncer();
        Guid written;
        await using (var g = await factory.CreateForTenantAsync(globex.Id, default))
        await using (var a = await factory.CreateForTenantAsync(acme.Id, default))
        {
            await g.Database.OpenConnectionAsync();
            await a.Database.OpenConnectionAsync();
            var template = await a.Cards.AsNoTracking().FirstAsync();
            written = Guid.NewGuid();
            a.Cards.Add(new Card
            {
                Id = written, EntityType = template.EntityType, Title = "Through PgBouncer", Stage = template.Stage, Position = template.Position + "V",
                OwnerId = template.OwnerId, Version = 1, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            });
            Assert.Equal((await CardsOfAsync(globex.Id)).Count, await g.Cards.IgnoreQueryFilters().CountAsync());
            await a.SaveChangesAsync();
            Assert.Equal(0, await g.Cards.IgnoreQueryFilters().CountAsync(c => c.Id == written));
        }
        Assert.Contains(written, await CardsOfAsync(acme.Id));
        Assert.DoesNotContain(written, await CardsOfAsync(globex.Id));

        // A context for no tenant sees nothing at all.
        await using var none = await factory.CreateDbContextAsync();
        Assert.Equal(0, await none.Cards.IgnoreQueryFilters().CountAsync());
    }

    [Fact]
    public async Task The_app_behind_PgBouncer_signs_in_moves_cards_and_shows_each_tenant_its_own_board()
    {
        var acme = await database.CreateTenantAsync(cardsPerStage: 2);
        var globex = await database.CreateTenantAsync(cardsPerStage: 3);
        // Serving connections through PgBouncer; the listeners' own, direct.
        await using var app = TestApp.Create(PgBouncerConnectionString(), ("Database:PgBouncer", "true"), ("ConnectionStrings:KanbanListen", database.AppConnectionString));
        var a = await ApiTests.CallerAsync(app, acme, TenantRole.Manager);
        var g = await ApiTests.CallerAsync(app, globex, TenantRole.Manager);

        Guid card;
        await using (var db = await database.OwnerContextAsync(acme.Id))
            card = await db.Cards.Where(c => c.Stage == "new").Select(c => c.Id).FirstAsync();
        await ApiTests.JsonAsync(await a.PostAsync("/api/v1/kanban/move", new { entityType = "lead", entityId = card, toStageId = "qualified", toIndex = 0, expectedVersion = 1 }), HttpStatusCode.OK);
        await using (var db = await database.OwnerContextAsync(acme.Id))
            Assert.Equal("qualified", await db.Cards.Where(c => c.Id == card).Select(c => c.Stage).SingleAsync());

        // Both tenants' boards, read at once, many times: each its own counts (acme's New lost the moved card).
        var reads = Enumerable.Range(0, 12).Select(async i =>
        {
            var (caller, firstStage) = i % 2 == 0 ? (a, 1) : (g, 3);
            var board = await ApiTests.JsonAsync(await caller.GetAsync("/api/v1/kanban/board/lead"), HttpStatusCode.OK);
            Assert.Equal(firstStage, board.GetProperty("stages")[0].GetProperty("count").GetInt32());
        });
        await Task.WhenAll(reads);
    }
}

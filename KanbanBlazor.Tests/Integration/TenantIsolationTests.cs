using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

[Collection(DatabaseCollection.Name)]
public sealed class TenantIsolationTests(TestDatabase database)
{
    [Fact]
    public async Task A_tenant_context_reads_only_its_own_cards_moves_and_members()
    {
        var a = await database.CreateTenantAsync();
        var b = await database.CreateTenantAsync();

        await using var db = await database.KanbanFactory().CreateForTenantAsync(a.Id, default);
        var cards = await db.Cards.ToListAsync();
        Assert.Equal(15, cards.Count);
        Assert.All(cards, c => Assert.Equal(a.Id, c.TenantId));
        Assert.Empty(await db.Cards.Where(c => c.TenantId == b.Id).ToListAsync());
        Assert.All(await db.Members.ToListAsync(), m => Assert.Equal(a.Id, m.TenantId));
        Assert.Single(await db.BoardConfigs.ToListAsync());
    }

    [Fact]
    public async Task Every_tenant_owned_entity_is_filtered_to_the_contexts_tenant_by_convention()
    {
        await using var db = await database.KanbanFactory().CreateForTenantAsync(Guid.NewGuid(), default);
        var owned = db.Model.GetEntityTypes().Where(e => typeof(KanbanBlazor.Web.Data.ITenantOwned).IsAssignableFrom(e.ClrType)).ToList();
        Assert.Contains(owned, e => e.ClrType == typeof(KanbanBlazor.Web.Data.TenantMembership));
        Assert.All(owned, e => Assert.NotEmpty(e.GetDeclaredQueryFilters()));
        // And the filter is this context's tenant, as SQL: every query says which tenant it is for.
        Assert.Matches(@"WHERE [^\n]*tenant_id = @", db.Cards.ToQueryString());
        Assert.Matches(@"WHERE [^\n]*tenant_id = @", db.Members.ToQueryString());
    }

    [Fact]
    public async Task Even_ignoring_the_query_filter_a_tenant_context_sees_no_other_tenants_rows()
    {
        var a = await database.CreateTenantAsync();
        var b = await database.CreateTenantAsync();

        await using var db = await database.KanbanFactory().CreateForTenantAsync(a.Id, default);
        // Row-level security underneath: the filter is gone, PostgreSQL still answers for tenant A only.
        Assert.Empty(await db.Cards.IgnoreQueryFilters().Where(c => c.TenantId == b.Id).ToListAsync());
        Assert.Empty(await db.Database.SqlQuery<Guid>($"SELECT id AS \"Value\" FROM cards WHERE tenant_id = {b.Id}").ToListAsync());
    }

    [Fact]
    public async Task A_tenant_context_cannot_write_another_tenants_rows()
    {
        var a = await database.CreateTenantAsync();
        var b = await database.CreateTenantAsync();
        Guid bCard;
        await using (var bDb = await database.KanbanFactory().CreateForTenantAsync(b.Id, default))
            bCard = await bDb.Cards.Select(c => c.Id).FirstAsync();

        await using var db = await database.KanbanFactory().CreateForTenantAsync(a.Id, default);
        // Through EF: inserting a row stamped with another tenant is refused before SQL is sent.
        db.Cards.Add(new Card { Id = Guid.NewGuid(), TenantId = b.Id, EntityType = "lead", Title = "Smuggled", Stage = "new", Position = "V" });
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();

        // Through raw SQL: the update matches nothing, the insert breaks the policy.
        var updated = await db.Database.ExecuteSqlAsync($"UPDATE cards SET title = 'Hijacked' WHERE id = {bCard}");
        Assert.Equal(0, updated);
        var insert = await Assert.ThrowsAsync<PostgresException>(() => db.Database.ExecuteSqlAsync(
            $"INSERT INTO cards (id, tenant_id, entity_type, title, stage, position) VALUES ({Guid.NewGuid()}, {b.Id}, 'lead', 'Smuggled', 'new', 'V')"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState); // new row violates row-level security policy

        await using var bCheck = await database.KanbanFactory().CreateForTenantAsync(b.Id, default);
        Assert.DoesNotContain(await bCheck.Cards.Select(c => c.Title).ToListAsync(), t => t is "Hijacked" or "Smuggled");
    }

    [Fact]
    public async Task Raw_sql_under_the_app_role_with_no_tenant_set_sees_nothing()
    {
        await database.CreateTenantAsync();
        var count = await database.ScalarAsync<long>(database.AppConnectionString, "SELECT count(*) FROM cards");
        Assert.Equal(0, count);
        var isOwner = await database.ScalarAsync<bool>(database.AppConnectionString,
            "SELECT pg_has_role(current_user, (SELECT tableowner FROM pg_tables WHERE tablename = 'cards'), 'MEMBER')");
        Assert.False(isOwner);
    }

    [Fact]
    public async Task A_pooled_connection_used_next_for_another_tenant_sees_only_that_tenants_rows()
    {
        var a = await database.CreateTenantAsync(cardsPerStage: 2);
        var b = await database.CreateTenantAsync(cardsPerStage: 4);
        // One physical connection in the pool: every context below gets the same backend.
        var oneConnection = $"{database.AppConnectionString};Maximum Pool Size=1;Application Name=pool-test-{Guid.NewGuid():N}";
        var factory = database.KanbanFactory(oneConnection);

        int backendA, backendB;
        await using (var db = await factory.CreateForTenantAsync(a.Id, default))
        {
            await db.Database.OpenConnectionAsync();
            backendA = await db.Database.SqlQuery<int>($"SELECT pg_backend_pid() AS \"Value\"").SingleAsync();
            Assert.Equal(10, await db.Database.SqlQuery<long>($"SELECT count(*) AS \"Value\" FROM cards").SingleAsync());
        }
        await using (var db = await factory.CreateForTenantAsync(b.Id, default))
        {
            await db.Database.OpenConnectionAsync();
            backendB = await db.Database.SqlQuery<int>($"SELECT pg_backend_pid() AS \"Value\"").SingleAsync();
            var tenants = await db.Database.SqlQuery<Guid>($"SELECT DISTINCT tenant_id AS \"Value\" FROM cards").ToListAsync();
            Assert.Equal([b.Id], tenants);
            Assert.Equal(20, await db.Cards.CountAsync());
        }
        Assert.Equal(backendA, backendB);

        // The same pooled connection used without any tenant (no interceptor) sees nothing at all.
        await using var raw = new NpgsqlConnection(oneConnection);
        await raw.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid(), (SELECT count(*) FROM cards)", raw);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(backendA, reader.GetInt32(0));
        Assert.Equal(0, reader.GetInt64(1));
    }
    [Fact]
    public async Task A_pooled_context_goes_back_to_the_pool_without_its_tenant()
    {
        var a = await database.CreateTenantAsync();
        var factory = database.KanbanFactory();
        KanbanDbContext first;
        await using (first = await factory.CreateForTenantAsync(a.Id, default))
            Assert.Equal(15, await first.Cards.CountAsync());

        // The sentinel: the pool hands back the very same instance. Only then: it remembers no tenant.
        await using var next = await factory.CreateDbContextAsync();
        Assert.Same(first, next);
        Assert.Null(next.TenantId);
        Assert.Equal(0, await next.Cards.CountAsync());
        Assert.Equal(0, await next.Cards.IgnoreQueryFilters().CountAsync());
    }
}

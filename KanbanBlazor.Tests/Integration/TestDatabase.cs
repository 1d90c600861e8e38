using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Ordering;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// A fresh database in the PostgreSQL that test.sh starts, created and migrated exactly as the app
/// does it (bootstrap, then migrations as the owner), used through the app's own non-owning roles;
/// test data that only the owner may write (tenants, users, memberships) is written as the owner.
/// Tests share the database but never a tenant: each makes its own with <see cref="CreateTenantAsync"/>.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public string Name { get; } = $"kanban_it_{Guid.NewGuid():N}"[..27];
    public static readonly DatabaseRoles Roles = new("kanban_app", "kanban_identity");
    public string AppConnectionString { get; private set; } = "";
    public string IdentityConnectionString { get; private set; } = "";
    public string OwnerConnectionString { get; private set; } = "";
    public string SuperuserConnectionString { get; private set; } = "";

    public static string Server()
    {
        var port = Environment.GetEnvironmentVariable("KANBAN_TEST_PG_PORT")
            ?? throw new InvalidOperationException("KANBAN_TEST_PG_PORT is not set: run the tests with ./test.sh, which starts PostgreSQL.");
        return $"Host=127.0.0.1;Port={port}";
    }

    public async Task InitializeAsync()
    {
        var server = Server();
        AppConnectionString = KanbanBlazor.Web.DatabaseSettings.Tuned($"{server};Database={Name};Username={Roles.Board}");
        IdentityConnectionString = $"{server};Database={Name};Username={Roles.Identity}";
        OwnerConnectionString = $"{server};Database={Name};Username=kanban_owner;Pooling=false";
        SuperuserConnectionString = $"{server};Database=postgres;Username=postgres;Pooling=false";
        await DatabaseBootstrap.EnsureAsync(SuperuserConnectionString, OwnerConnectionString, [AppConnectionString, IdentityConnectionString], CancellationToken.None);
        await new DatabaseMigrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync(OwnerConnectionString, Roles, CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The board role's contexts, pooled as the app registers them (or another connection, such as the owner's).</summary>
    public IDbContextFactory<KanbanDbContext> KanbanFactory(string? connectionString = null) => KanbanContexts.Pooled(connectionString ?? AppConnectionString);

    /// <summary>The board writer's contexts, as the app makes them (its own pool, see DatabaseSettings.Writer).</summary>
    public IDbContextFactory<KanbanDbContext> WriterFactory() => KanbanContexts.ForBoardWriter(AppConnectionString);

    /// <summary>Identity's context, through the identity role (or another connection, such as the owner's).</summary>
    public IDbContextFactory<AccountsDbContext> AccountsFactory(string? connectionString = null)
    {
        var options = new DbContextOptionsBuilder<AccountsDbContext>().UseNpgsql(connectionString ?? IdentityConnectionString).Options;
        return new Factory<AccountsDbContext>(() => new AccountsDbContext(options));
    }

    /// <summary>The tenant's data as the schema owner sees it (what an administrator's job would do),
    /// for changes neither serving role may make, such as memberships.</summary>
    public Task<KanbanDbContext> OwnerContextAsync(Guid tenantId) =>
        KanbanFactory(OwnerConnectionString).CreateForTenantAsync(tenantId, CancellationToken.None);

    /// <summary>A new tenant with one user per role and a lead board holding <paramref name="cardsPerStage"/>
    /// cards in each open stage, owned by the sales rep.</summary>
    public async Task<TestTenant> CreateTenantAsync(int cardsPerStage = 3)
    {
        var id = Guid.NewGuid();
        var slug = $"t-{id:N}"[..20];
        await using (var accounts = await AccountsFactory(OwnerConnectionString).CreateDbContextAsync())
        {
            accounts.Tenants.Add(new Tenant { Id = id, Slug = slug, Name = $"Tenant {slug}" });
            var members = new Dictionary<TenantRole, CurrentTenant>();
            foreach (var role in Enum.GetValues<TenantRole>())
            {
                var user = new AppUser { Id = Guid.NewGuid(), UserName = $"{role}@{slug}.test", Email = $"{role}@{slug}.test", DisplayName = $"{role} of {slug}" };
                accounts.Users.Add(user);
                members[role] = new CurrentTenant(id, slug, slug, user.Id, user.DisplayName, role);
            }
            await accounts.SaveChangesAsync();

            await using var db = await KanbanFactory(OwnerConnectionString).CreateForTenantAsync(id, CancellationToken.None);
            db.Members.AddRange(members.Values.Select(m => new TenantMembership { TenantId = id, UserId = m.UserId, Role = m.Role.ToString(), DisplayName = m.UserDisplayName }));
            var config = new BoardConfig { Id = Guid.NewGuid(), EntityType = EntityTypes.Lead, UpdatedAt = DateTimeOffset.UtcNow };
            var stages = EntityTypes.DefaultStages(EntityTypes.Lead);
            config.Stages.AddRange(stages.Select((s, i) => new Stage { Id = Guid.NewGuid(), Key = s.Key, Name = s.Name, Position = i, Outcome = s.Outcome.ToString() }));
            db.BoardConfigs.Add(config);
            foreach (var stage in stages.Where(s => s.Outcome == StageOutcome.Open))
            {
                var keys = OrderingKey.Spread(cardsPerStage);
                for (var i = 0; i < cardsPerStage; i++)
                {
                    db.Cards.Add(new Card
                    {
                        Id = Guid.NewGuid(), EntityType = EntityTypes.Lead, Title = $"{stage.Name} card {i + 1}", Value = 1000 * (i + 1),
                        OwnerId = members[TenantRole.SalesRep].UserId, Stage = stage.Key, Position = keys[i], Version = 1,
                        CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
                    });
                }
            }
            await db.SaveChangesAsync();
            return new TestTenant(id, slug, members);
        }
    }

    public async Task<T> ScalarAsync<T>(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A connection set to <paramref name="tenantId"/> (or to none), as the app sets its own.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, Guid? tenantId)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', @t, false)", connection);
        set.Parameters.AddWithValue("t", tenantId?.ToString() ?? "");
        await set.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>Runs <paramref name="sql"/> on a connection set to <paramref name="tenantId"/> (or none); its first value.</summary>
    public static async Task<object?> SqlAsync(string connectionString, Guid? tenantId, string sql)
    {
        await using var connection = await OpenAsync(connectionString, tenantId);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private sealed class Factory<T>(Func<T> create) : IDbContextFactory<T> where T : DbContext
    {
        public T CreateDbContext() => create();
    }
}

public sealed record TestTenant(Guid Id, string Slug, IReadOnlyDictionary<TenantRole, CurrentTenant> Members)
{
    public CurrentTenant As(TenantRole role) => Members[role];
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<TestDatabase>
{
    public const string Name = "database";
}

using KanbanBlazor.Web.Data;
using Npgsql;

namespace KanbanBlazor.Web;

/// <summary>
/// Connection settings (appsettings or environment, e.g. ConnectionStrings__Kanban):
/// <list type="bullet">
/// <item>ConnectionStrings:Kanban: the board role, which serves board traffic: it owns nothing, is
/// subject to row-level security, sees only its tenant's memberships and no identity data at all.</item>
/// <item>ConnectionStrings:KanbanIdentity: the identity role, which reads users and memberships to sign
/// people in (before a tenant is known) and updates users (lockout, security stamp); nothing else.</item>
/// <item>ConnectionStrings:KanbanOwner: the schema owner, used only to apply migrations and seed demo
/// data at start-up.</item>
/// <item>Database:BootstrapConnectionString: optional superuser connection that creates the database
/// and the three roles when missing (development and tests).</item>
/// <item>Database:Migrate (default true) and Database:SeedDemoData (default false).</item>
/// <item>Database:PgBouncer (default false): the serving connection strings lead to PgBouncer in transaction
/// mode, which (before PgBouncer 1.21) keeps no prepared statements: none are prepared.</item>
/// <item>ConnectionStrings:KanbanListen: a direct connection (never through PgBouncer in transaction mode,
/// since LISTEN belongs to a session) for the listeners of board events and access changes; by default
/// ConnectionStrings:Kanban.</item>
/// </list>
/// </summary>
public sealed record DatabaseSettings(string App, string Identity, string? Owner, string? Bootstrap, bool Migrate, bool SeedDemoData)
{
    /// <summary>The listeners' direct connection (ConnectionStrings:KanbanListen, else the board role's).</summary>
    public string Listen { get; init; } = App;

    public static DatabaseSettings From(IConfiguration configuration)
    {
        var app = configuration.GetConnectionString("Kanban");
        if (string.IsNullOrWhiteSpace(app))
            throw new InvalidOperationException("ConnectionStrings:Kanban is not set. See README.md, 'Configuration'.");
        var identity = configuration.GetConnectionString("KanbanIdentity");
        if (string.IsNullOrWhiteSpace(identity))
            throw new InvalidOperationException("ConnectionStrings:KanbanIdentity is not set. See README.md, 'Configuration'.");
        var pgBouncer = configuration.GetValue("Database:PgBouncer", false);
        var listen = configuration.GetConnectionString("KanbanListen");
        return new DatabaseSettings(
            Tuned(app, pgBouncer),
            Tuned(identity, pgBouncer),
            configuration.GetConnectionString("KanbanOwner"),
            configuration["Database:BootstrapConnectionString"],
            configuration.GetValue("Database:Migrate", true),
            configuration.GetValue("Database:SeedDemoData", false))
        {
            Listen = string.IsNullOrWhiteSpace(listen) ? app : listen,
        };
    }

    /// <summary>
    /// The serving connection strings as the app uses them: unless the operator chose otherwise, Npgsql
    /// prepares the statements a connection runs repeatedly (Max Auto Prepare), so that PostgreSQL
    /// parses and plans the board's hot statements once per connection instead of on every move.
    /// </summary>
    /// <param name="pgBouncer">the connection leads to PgBouncer in transaction mode: nothing is prepared</param>
    public static string Tuned(string connectionString, bool pgBouncer = false)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (pgBouncer)
        {
            builder.MaxAutoPrepare = 0;
            // Named, so that Tuned again (the board writer's pool) leaves it off.
            var text = builder.ConnectionString;
            return text.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) ? text : text + ";Max Auto Prepare=0";
        }
        if (builder.MaxAutoPrepare == 0 && !connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }
        return builder.ConnectionString;
    }

    /// <summary>
    /// The board writer's own pool of the board role's connections (<see cref="Data.KanbanContexts.ForBoardWriter"/>): a
    /// pooled connection is not reset when it is returned, which saves PostgreSQL seven statements per
    /// board transaction. That is safe because only the writer uses this pool, and everything it runs is
    /// inside a transaction that sets the tenant for itself alone (<c>set_config(…, true)</c>), so no
    /// session state is ever left behind; its prepared statements are kept.
    /// </summary>
    public static string Writer(string appConnectionString) =>
        new NpgsqlConnectionStringBuilder(Tuned(appConnectionString)) { NoResetOnClose = true, ApplicationName = "kanban-board-writer" }.ConnectionString;

    public DatabaseRoles Roles => new(
        new NpgsqlConnectionStringBuilder(App).Username ?? throw new InvalidOperationException("ConnectionStrings:Kanban names no user."),
        new NpgsqlConnectionStringBuilder(Identity).Username ?? throw new InvalidOperationException("ConnectionStrings:KanbanIdentity names no user."));
}

public static class DatabaseStartup
{
    private const long SeedLockKey = 0x4B616E62616F; // released when the connection closes

    public static async Task PrepareDatabaseAsync(this WebApplication app, DatabaseSettings settings)
    {
        var ct = app.Lifetime.ApplicationStopping;
        if (settings.Bootstrap is { Length: > 0 } bootstrap)
            await DatabaseBootstrap.EnsureAsync(bootstrap, settings.Owner ?? throw new InvalidOperationException("ConnectionStrings:KanbanOwner is needed to bootstrap."), [settings.App, settings.Identity], ct);
        if (settings.Migrate)
        {
            var owner = settings.Owner ?? throw new InvalidOperationException("ConnectionStrings:KanbanOwner is not set; set it, or Database:Migrate=false.");
            await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(owner, settings.Roles, ct);
        }
        if (settings.SeedDemoData)
        {
            // Seeding writes users and memberships, which neither serving role may: it runs as the owner.
            var owner = settings.Owner ?? throw new InvalidOperationException("ConnectionStrings:KanbanOwner is needed to seed demo data.");
            // Instances starting together take turns; the second finds the demo data there and stops.
            await using var gate = new NpgsqlConnection(owner);
            await gate.OpenAsync(ct);
            await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({SeedLockKey})", gate))
                await take.ExecuteNonQueryAsync(ct);
            await using var scope = app.Services.CreateAsyncScope();
            var seeder = DemoSeeder.Create(owner, scope.ServiceProvider);
            await seeder.SeedAsync(ct);
            // Demo:Scale:{slug}:Cards (and :Stage): demo tenants with large boards, for trying the board at scale.
            foreach (var large in app.Configuration.GetSection("Demo:Scale").GetChildren())
            {
                if (large.GetValue<int?>("Cards") is not { } cards || cards <= 0) continue;
                await seeder.SeedScaleTenantAsync(large.Key.ToLowerInvariant(), cards, large["Stage"], ct);
            }
        }
    }
}

using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// The tenant's board data. Every instance works for exactly one tenant: <see cref="TenantId"/> drives
/// the global query filter, is stamped on inserted rows, and is set for the transaction of every
/// statement the context runs (<see cref="TenantConnectionInterceptor"/>) so that PostgreSQL's
/// row-level security agrees, on a direct connection or behind PgBouncer in transaction mode.
/// Create it with <see cref="KanbanDbContextFactoryExtensions.CreateForTenantAsync"/>, one per operation.
/// </summary>
public sealed class KanbanDbContext(DbContextOptions<KanbanDbContext> options) : DbContext(options)
{
    public Guid? TenantId { get; internal set; }

    public DbSet<BoardConfig> BoardConfigs => Set<BoardConfig>();
    public DbSet<Stage> Stages => Set<Stage>();
    public DbSet<Card> Cards => Set<Card>();
    public DbSet<CardMove> Moves => Set<CardMove>();
    public DbSet<TenantMembership> Members => Set<TenantMembership>();
    public DbSet<AuditEntry> Audit => Set<AuditEntry>();
    public DbSet<BoardPreference> BoardPreferences => Set<BoardPreference>();
    public DbSet<FlowStay> FlowStays => Set<FlowStay>();
    public DbSet<MetricRow> Metrics => Set<MetricRow>();
    public DbSet<MetricProgress> MetricProgress => Set<MetricProgress>();
    public DbSet<WipBlock> WipBlocks => Set<WipBlock>();
    public DbSet<EditLock> Locks => Set<EditLock>();
    public DbSet<StoredSnapshot> Snapshots => Set<StoredSnapshot>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        configuration.Conventions.Remove<Microsoft.EntityFrameworkCore.Metadata.Conventions.ForeignKeyIndexConvention>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        SchemaModel.Memberships(builder);
        SchemaModel.Boards(builder);
        SchemaModel.Name(builder);

        // Every tenant-owned entity (ITenantOwned, by convention) answers only for this context's
        // tenant; row-level security agrees, and SaveChanges stamps the tenant on what it writes.
        foreach (var entity in builder.Model.GetEntityTypes().Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType)).ToList())
            builder.Entity(entity.ClrType).HasQueryFilter(OnlyThisTenant(entity.ClrType));

        // AccountsDbContext owns the schema; this context only queries what it shares with it.
        foreach (var entity in builder.Model.GetEntityTypes())
            entity.SetIsTableExcludedFromMigrations(true);
    }

    /// <summary><c>row => row.TenantId == this.TenantId</c> for an entity of <paramref name="type"/>.</summary>
    private LambdaExpression OnlyThisTenant(Type type)
    {
        var row = Expression.Parameter(type, "row");
        var rowTenant = Expression.Convert(Expression.Property(row, nameof(ITenantOwned.TenantId)), typeof(Guid?));
        var contextTenant = Expression.Property(Expression.Constant(this), nameof(TenantId));
        return Expression.Lambda(Expression.Equal(rowTenant, contextTenant), row);
    }

    // A pooled instance goes back without its tenant: the next operation sets its own, or has none.
    public override void Dispose()
    {
        TenantId = null;
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        TenantId = null;
        return base.DisposeAsync();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampTenant();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampTenant();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    internal void StampTenant()
    {
        foreach (var entry in ChangeTracker.Entries<ITenantOwned>())
        {
            if (entry.State == EntityState.Unchanged) continue;
            var tenant = TenantId ?? throw new InvalidOperationException("No tenant is set on this context; nothing can be written.");
            if (entry.State == EntityState.Added && entry.Entity.TenantId == Guid.Empty)
                entry.Entity.TenantId = tenant;
            else if (entry.Entity.TenantId != tenant)
                throw new InvalidOperationException("A row of another tenant cannot be written through this context.");
        }
    }
}

public static class KanbanDbContextFactoryExtensions
{
    /// <summary>A context bound to one tenant, for one operation.</summary>
    public static async Task<KanbanDbContext> CreateForTenantAsync(
        this IDbContextFactory<KanbanDbContext> factory, Guid tenantId, CancellationToken ct)
    {
        var db = await factory.CreateDbContextAsync(ct);
        db.TenantId = tenantId;
        return db;
    }
}

/// <summary>Pooled context factories outside dependency injection: the board writer's (BoardTransaction),
/// on its own connection pool (<see cref="DatabaseSettings.Writer"/>), and the tests'.</summary>
public static class KanbanContexts
{
    public static IDbContextFactory<KanbanDbContext> Pooled(string connectionString) =>
        new Microsoft.EntityFrameworkCore.Infrastructure.PooledDbContextFactory<KanbanDbContext>(new DbContextOptionsBuilder<KanbanDbContext>()
            .UseNpgsql(connectionString)
            .AddInterceptors(new TenantConnectionInterceptor())
            .Options);

    public static IDbContextFactory<KanbanDbContext> ForBoardWriter(string appConnectionString) => Pooled(DatabaseSettings.Writer(appConnectionString));
}

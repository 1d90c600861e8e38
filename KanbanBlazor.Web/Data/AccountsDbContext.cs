using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Identity and tenant membership: the data read before a tenant is known (at sign-in). It also owns
/// the schema and its EF Core migrations (Data/Migrations): its model maps every table, the board
/// tables included, which <see cref="KanbanDbContext"/> maps again for queries and excludes from
/// migrations. Add a migration with <c>dotnet ef migrations add Name --project KanbanBlazor.Web
/// --context AccountsDbContext</c>; the app applies pending ones at start-up (<see cref="DatabaseMigrator"/>).
/// </summary>
public sealed class AccountsDbContext(DbContextOptions<AccountsDbContext> options)
    : IdentityUserContext<AppUser, Guid>(options), IDataProtectionKeyContext
{
    /// <summary>The key ring that protects sign-in cookies, shared by every instance (Program: PersistKeysToDbContext).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<TenantMembership> Memberships => Set<TenantMembership>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration) =>
        // Indexes are declared one by one (SchemaModel), not added for every foreign key.
        configuration.Conventions.Remove<ForeignKeyIndexConvention>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        SchemaModel.Memberships(builder);
        SchemaModel.Boards(builder);
        SchemaModel.IdentityAndReferences(builder);
        SchemaModel.KeyRing(builder);
        SchemaModel.Name(builder);
    }
}

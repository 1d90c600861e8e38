using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Data;

/// <summary>Identity and tenant membership: the data read before a tenant is known (at sign-in).</summary>
public sealed class AccountsDbContext(DbContextOptions<AccountsDbContext> options)
    : IdentityUserContext<AppUser, Guid>(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<TenantMembership> Memberships => Set<TenantMembership>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<AppUser>().ToTable("users");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<AppUser>().Property(u => u.DisplayName).IsRequired();
        builder.Entity<Tenant>(TenantMapping.Configure);
        builder.Entity<TenantMembership>(TenantMapping.Configure);
        builder.Entity<TenantMembership>(membership =>
        {
            // Known here (not in KanbanDbContext) so that EF inserts tenants and users first.
            membership.HasOne<Tenant>().WithMany().HasForeignKey(m => m.TenantId);
            membership.HasOne<AppUser>().WithMany().HasForeignKey(m => m.UserId);
        });
        builder.UseSnakeCaseColumns();
    }
}

internal static class TenantMapping
{
    public static void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<Tenant> tenant)
    {
        tenant.ToTable("tenants");
        tenant.HasIndex(t => t.Slug).IsUnique();
    }

    public static void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<TenantMembership> membership)
    {
        membership.ToTable("tenant_memberships");
        membership.HasKey(m => new { m.TenantId, m.UserId });
    }
}

using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The demo data: both demo tenants get all four boards, each with its type's fields and a
/// history its log can be checked against; a database seeded before a board existed gets it added.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DemoSeederTests(TestDatabase database)
{
    private DemoSeeder Seeder() => new(
        database.AccountsFactory(database.OwnerConnectionString), database.KanbanFactory(database.OwnerConnectionString),
        new PasswordHasher<AppUser>(), new UpperInvariantLookupNormalizer(), TimeProvider.System, NullLogger<DemoSeeder>.Instance);

    [Fact]
    public async Task Both_demo_tenants_get_four_consistent_boards_and_a_missing_board_is_added_later()
    {
        await Seeder().SeedAsync(default);
        List<Tenant> tenants;
        await using (var accounts = await database.AccountsFactory(database.OwnerConnectionString).CreateDbContextAsync())
            tenants = await accounts.Tenants.Where(t => t.Slug == "acme" || t.Slug == "globex").ToListAsync();
        Assert.Equal(2, tenants.Count);

        var verify = new VerifyBoard(database.KanbanFactory());
        foreach (var tenant in tenants)
        {
            await using var db = await database.OwnerContextAsync(tenant.Id);
            foreach (var entityType in EntityTypes.All)
            {
                var cards = await db.Cards.AsNoTracking().Where(c => c.EntityType == entityType).ToListAsync();
                Assert.True(cards.Count >= 50, $"{tenant.Slug} has {cards.Count} {entityType} cards");
                Assert.Equal(EntityTypes.DefaultStages(entityType).Select(s => s.Key).ToHashSet(), cards.Select(c => c.Stage).ToHashSet());
                // Each card as its type's form would accept it.
                var members = await db.Members.Select(m => m.UserId).ToListAsync();
                Assert.All(cards, c => Assert.Empty(CardFields.Validate(entityType, CardWrites.Draft(c).Normalized(entityType), members.Contains)));
                var report = await verify.ExecuteAsync(tenant.Id, entityType, default);
                Assert.True(report!.IsConsistent, $"{tenant.Slug} {entityType}: {string.Join("; ", report.Drift.Select(d => d.Detail))}");
                Assert.True(report.Events >= cards.Count);
            }
            Assert.All(await db.Cards.Where(c => c.EntityType == EntityTypes.Task).ToListAsync(), c => Assert.NotNull(c.DueOn));
            Assert.All(await db.Cards.Where(c => c.EntityType == EntityTypes.Customer).ToListAsync(), c => Assert.NotNull(c.Health));
            Assert.All(await db.Cards.Where(c => c.EntityType == EntityTypes.Opportunity).ToListAsync(), c => Assert.NotNull(c.Probability));
        }

        // A database seeded when only leads existed: the other boards come at the next start, once.
        var acme = tenants.Single(t => t.Slug == "acme");
        await using (var db = await database.OwnerContextAsync(acme.Id))
        {
            await db.Moves.Where(m => m.EntityType == EntityTypes.Task).ExecuteDeleteAsync();
            await db.Cards.Where(c => c.EntityType == EntityTypes.Task).ExecuteDeleteAsync();
            await db.BoardConfigs.Where(c => c.EntityType == EntityTypes.Task).ExecuteDeleteAsync();
        }
        await Seeder().SeedAsync(default);
        await Seeder().SeedAsync(default);
        await using (var db = await database.OwnerContextAsync(acme.Id))
        {
            Assert.Equal(1, await db.BoardConfigs.CountAsync(c => c.EntityType == EntityTypes.Task));
            Assert.Equal(80, await db.Cards.CountAsync(c => c.EntityType == EntityTypes.Task));
            Assert.Equal(1, await db.BoardConfigs.CountAsync(c => c.EntityType == EntityTypes.Lead));
        }
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Ordering;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Demo data on first run: tenants acme and globex, four users each (one per role), and a lead board
/// of about 200 cards with a few weeks of move history. Deterministic (fixed random seed), so every
/// fresh machine shows the same board. Does nothing when any tenant exists. Runs as the schema owner:
/// it creates users and memberships, which neither of the roles the app serves as may do.
/// </summary>
public sealed class DemoSeeder(
    IDbContextFactory<AccountsDbContext> accountsFactory,
    IDbContextFactory<KanbanDbContext> kanbanFactory,
    IPasswordHasher<AppUser> hasher,
    ILookupNormalizer normalizer,
    TimeProvider clock,
    ILogger<DemoSeeder> logger)
{
    /// <summary>A seeder writing through <paramref name="ownerConnectionString"/>.</summary>
    public static DemoSeeder Create(string ownerConnectionString, IServiceProvider services) => new(
        new OwnerFactory<AccountsDbContext>(() => new AccountsDbContext(new DbContextOptionsBuilder<AccountsDbContext>().UseNpgsql(ownerConnectionString).Options)),
        new OwnerFactory<KanbanDbContext>(() => new KanbanDbContext(new DbContextOptionsBuilder<KanbanDbContext>()
            .UseNpgsql(ownerConnectionString).AddInterceptors(new TenantConnectionInterceptor()).Options)),
        services.GetRequiredService<IPasswordHasher<AppUser>>(),
        services.GetRequiredService<ILookupNormalizer>(),
        services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<ILogger<DemoSeeder>>());

    private sealed class OwnerFactory<T>(Func<T> create) : IDbContextFactory<T> where T : DbContext
    {
        public T CreateDbContext() => create();
    }

    public const string Password = "Kanban!demo1";
    public const string ConsultantEmail = "consultant@kanban.demo";

    public static readonly IReadOnlyList<(string Slug, string Name)> Tenants = [("acme", "Acme Corporation"), ("globex", "Globex Inc.")];

    private static readonly (TenantRole Role, string Local, string First)[] People =
    [
        (TenantRole.Admin, "admin", "Avery"),
        (TenantRole.Manager, "manager", "Morgan"),
        (TenantRole.SalesRep, "rep", "Riley"),
        (TenantRole.Viewer, "viewer", "Vic"),
    ];

    private static readonly string[] Companies =
    [
        "Northwind Traders", "Contoso Pharma", "Fabrikam Logistics", "Tailspin Toys", "Wingtip Hotels", "Litware Systems",
        "Adventure Works", "Proseware", "Woodgrove Bank", "Blue Yonder Airlines", "Coho Winery", "Alpine Ski House",
        "Humongous Insurance", "Lucerne Publishing", "Margie's Travel", "Trey Research", "Wide World Importers",
        "Fourth Coffee", "Graphic Design Institute", "City Power & Light", "Southridge Video", "VanArsdel Ltd",
        "Relecloud", "Datum Corporation", "Consolidated Messenger", "School of Fine Art", "Nod Publishers",
        "Best For You Organics", "Bellows College", "Munson's Pickles",
    ];

    private static readonly string[] Deals =
    [
        "CRM rollout", "Annual licence renewal", "Sales team expansion", "Pilot for the EMEA office",
        "Support plan upgrade", "Migration from spreadsheets", "Field sales mobile seats", "Partner portal",
        "Analytics add-on", "Onboarding package", "Multi-year agreement", "Marketing automation bundle",
    ];

    private static readonly string[] NextActions =
    [
        "Call to confirm budget", "Send revised proposal", "Demo for procurement", "Follow up on security questionnaire",
        "Book discovery call", "Share customer references", "Review contract redlines", "Check in after trial week",
    ];

    // How many cards of each board end in each stage (about 200 leads, 120 opportunities, 80 tasks, 60 customers).
    private static readonly IReadOnlyDictionary<string, (string Stage, int Count)[]> Spreads = new Dictionary<string, (string, int)[]>
    {
        [EntityTypes.Lead] = [("new", 30), ("contacted", 30), ("qualified", 30), ("proposal", 25), ("negotiation", 20), ("won", 35), ("lost", 30)],
        [EntityTypes.Opportunity] = [("discovery", 20), ("qualification", 18), ("proposal", 16), ("negotiation", 12), ("closed_won", 30), ("closed_lost", 24)],
        [EntityTypes.Task] = [("backlog", 18), ("todo", 14), ("in_progress", 6), ("review", 7), ("done", 35)],
        [EntityTypes.Customer] = [("onboarding", 9), ("active", 34), ("at_risk", 8), ("churned", 9)],
    };

    private static readonly string[] Tasks =
    [
        "Prepare the quarterly business review", "Update the pricing sheet", "Clean up duplicate contacts", "Write the case study",
        "Set up the trial workspace", "Chase the signed order form", "Plan the onboarding workshop", "Translate the proposal template",
        "Renew the security certificate", "Import the trade-show leads", "Record the product demo", "Review the renewal list",
    ];

    private static readonly string[] Sources = ["Website", "Referral", "Webinar", "Trade show", "Cold call", "Partner", "LinkedIn"];
    private static readonly string[] Plans = ["Starter", "Growth", "Business", "Enterprise"];
    private static readonly string[] FirstNames = ["ana", "ben", "carla", "diego", "eva", "femi", "gus", "hana"];

    /// <summary>An open opportunity's usual chance of closing, by stage.</summary>
    private static int Probability(string stage) => stage switch
    {
        "discovery" => 10, "qualification" => 25, "proposal" => 50, "negotiation" => 75, "closed_won" => 100, _ => 0,
    };

    public async Task SeedAsync(CancellationToken ct)
    {
        await using (var accounts = await accountsFactory.CreateDbContextAsync(ct))
        {
            var slugs = Tenants.Select(d => d.Slug).ToList();
            var seeded = await accounts.Tenants.Where(t => slugs.Contains(t.Slug)).Select(t => new { t.Id, t.Slug }).ToListAsync(ct);
            if (seeded.Count > 0)
            {
                foreach (var tenant in seeded) await SeedOtherBoardsAsync(tenant.Id, OtherBoardsSeed + slugs.IndexOf(tenant.Slug), ct);
                return;
            }
        }

        var random = new Random(20261121);
        for (var t = 0; t < Tenants.Count; t++)
        {
            var (slug, name) = Tenants[t];
            var tenantId = await CreateTenantAsync(slug, name, ct);
            await SeedBoardAsync(tenantId, EntityTypes.Lead, random, ct);
            await SeedOtherBoardsAsync(tenantId, OtherBoardsSeed + t, ct);
            logger.LogInformation("Seeded demo tenant {Tenant}", slug);
        }
        await CreateConsultantAsync(ct);
    }

    private const int OtherBoardsSeed = 20261124;

    /// <summary>The demo tenants' opportunity, task and customer boards, where a database seeded before
    /// they existed has none yet.</summary>
    private async Task SeedOtherBoardsAsync(Guid tenantId, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        foreach (var entityType in EntityTypes.All.Where(t => t != EntityTypes.Lead))
        {
            await using (var db = await kanbanFactory.CreateForTenantAsync(tenantId, ct))
            {
                if (await db.BoardConfigs.AnyAsync(c => c.EntityType == entityType, ct)) continue;
            }
            await SeedBoardAsync(tenantId, entityType, random, ct);
        }
    }

    /// <summary>
    /// A demo tenant with a large lead board (Demo:Scale in README.md), made once: the usual four
    /// users and lead board, plus <paramref name="cards"/> generated cards in <paramref name="stage"/>
    /// (or spread over the stages), each with a history (<see cref="BoardGenerator"/>).
    /// </summary>
    public async Task SeedScaleTenantAsync(string slug, int cards, string? stage, CancellationToken ct)
    {
        await using (var accounts = await accountsFactory.CreateDbContextAsync(ct))
        {
            if (await accounts.Tenants.AnyAsync(t => t.Slug == slug, ct)) return;
        }
        var tenantId = await CreateTenantAsync(slug, $"{char.ToUpperInvariant(slug[0])}{slug[1..]} (large board)", ct);
        await SeedBoardAsync(tenantId, EntityTypes.Lead, new Random(slug.Length * 7919 + cards), ct);
        var started = clock.GetTimestamp();
        await new BoardGenerator(kanbanFactory, clock).AddCardsAsync(tenantId, EntityTypes.Lead, stage, cards, seed: cards, ct);
        logger.LogInformation("Seeded demo tenant {Tenant} with {Cards} more cards in {Stage} in {Elapsed}", slug, cards, stage ?? "every stage", clock.GetElapsedTime(started));
    }

    /// <summary>A user who belongs to both tenants (Manager in acme, Sales rep in globex), to show switching.</summary>
    private async Task CreateConsultantAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var user = NewUser(ConsultantEmail, "Casey Consultant", now);
        await using var accounts = await accountsFactory.CreateDbContextAsync(ct);
        accounts.Users.Add(user);
        await accounts.SaveChangesAsync(ct);
        var tenants = await accounts.Tenants.ToDictionaryAsync(t => t.Slug, t => t.Id, ct);
        await AddMemberAsync(tenants["acme"], user, TenantRole.Manager, now, ct);
        await AddMemberAsync(tenants["globex"], user, TenantRole.SalesRep, now, ct);
    }

    private AppUser NewUser(string email, string displayName, DateTimeOffset now)
    {
        var user = new AppUser
        {
            Id = Guid.CreateVersion7(now), UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName,
            NormalizedUserName = normalizer.NormalizeName(email), NormalizedEmail = normalizer.NormalizeEmail(email),
            SecurityStamp = Guid.NewGuid().ToString("N"), ConcurrencyStamp = Guid.NewGuid().ToString(), LockoutEnabled = true,
        };
        user.PasswordHash = hasher.HashPassword(user, Password);
        return user;
    }

    // Memberships are tenant-owned rows: written through the tenant's context, as row-level security asks.
    private async Task AddMemberAsync(Guid tenantId, AppUser user, TenantRole role, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await kanbanFactory.CreateForTenantAsync(tenantId, ct);
        db.Members.Add(new TenantMembership { TenantId = tenantId, UserId = user.Id, Role = role.ToString(), DisplayName = user.DisplayName, CreatedAt = now });
        await db.SaveChangesAsync(ct);
    }

    private async Task<Guid> CreateTenantAsync(string slug, string name, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var tenant = new Tenant { Id = Guid.CreateVersion7(now), Slug = slug, Name = name, CreatedAt = now.AddDays(-60) };
        await using var accounts = await accountsFactory.CreateDbContextAsync(ct);
        accounts.Tenants.Add(tenant);
        await accounts.SaveChangesAsync(ct);

        var people = People.Select(p => (p.Role, User: NewUser($"{p.Local}@{slug}.demo", $"{p.First} {char.ToUpperInvariant(slug[0])}{slug[1..]}", now))).ToList();
        accounts.Users.AddRange(people.Select(p => p.User));
        await accounts.SaveChangesAsync(ct);
        foreach (var (role, user) in people) await AddMemberAsync(tenant.Id, user, role, now, ct);
        return tenant.Id;
    }

    /// <summary>A board of <paramref name="entityType"/> with realistic cards, each with the fields of its
    /// type and a history of moves through the stages (some finished, some open, some next actions overdue).</summary>
    private async Task SeedBoardAsync(Guid tenantId, string entityType, Random random, CancellationToken ct)
    {
        await using var db = await kanbanFactory.CreateForTenantAsync(tenantId, ct);
        var now = clock.GetUtcNow();
        var stages = EntityTypes.DefaultStages(entityType);
        var config = new BoardConfig { Id = Guid.CreateVersion7(now), EntityType = entityType, Version = 1, UpdatedAt = now, WorkStartedStage = EntityTypes.DefaultWorkStarted(entityType) };
        config.Stages.AddRange(stages.Select((s, i) => new Stage
        {
            Id = Guid.CreateVersion7(now), Key = s.Key, Name = s.Name, Position = i, Outcome = s.Outcome.ToString(),
            WipSoftLimit = entityType switch
            {
                EntityTypes.Lead => s.Outcome == StageOutcome.Open && s.Key != "new" ? 25 : null,
                EntityTypes.Task => s.Key == "in_progress" ? 6 : null,
                _ => null,
            },
            WipHardLimit = entityType == EntityTypes.Task && s.Key == "in_progress" ? 8 : null,
        }));
        db.BoardConfigs.Add(config);

        // The tenant's own people, first come (the consultant, a member of both demo tenants, joins later).
        var members = await db.Members.AsNoTracking().OrderBy(m => m.CreatedAt).ToListAsync(ct);
        Guid First(TenantRole role) => members.First(m => m.Role == role.ToString()).UserId;
        var rep = First(TenantRole.SalesRep);
        var owners = new[] { rep, rep, rep, First(TenantRole.Manager), First(TenantRole.Admin) };
        var openPath = stages.Where(s => s.Outcome == StageOutcome.Open).Select(s => s.Key).ToList();
        // The type's own fields come from a random of their own, so the lead board stays as it always was.
        var details = new Random(20261124 + entityType.Length);

        var cards = new List<Card>();
        var moves = new List<CardMove>();
        foreach (var (finalStage, count) in Spreads[entityType])
        {
            for (var i = 0; i < count; i++)
            {
                var company = Companies[random.Next(Companies.Length)];
                var created = now.AddDays(-random.Next(3, 45)).AddMinutes(-random.Next(0, 600));
                var reached = openPath.IndexOf(finalStage);
                var path = openPath.Take(reached >= 0 ? reached + 1 : random.Next(2, openPath.Count + 1)).ToList();
                if (!openPath.Contains(finalStage)) path.Add(finalStage);

                var card = new Card
                {
                    Id = Guid.CreateVersion7(created),
                    EntityType = entityType,
                    Title = entityType switch
                    {
                        EntityTypes.Task => $"{Tasks[details.Next(Tasks.Length)]}: {company}",
                        EntityTypes.Customer => company,
                        _ => $"{company}: {Deals[random.Next(Deals.Length)]}",
                    },
                    Company = entityType is EntityTypes.Lead or EntityTypes.Opportunity ? company : null,
                    Value = entityType == EntityTypes.Task ? 0 : random.Next(4, 250) * 500m,
                    OwnerId = owners[random.Next(owners.Length)],
                    Stage = finalStage,
                    Position = "",
                    Version = path.Count,
                    CreatedAt = created,
                };
                Enrich(card, company, details, now, members.Select(m => m.UserId).ToList());
                // Spread the card's moves between its creation and a little before now.
                var at = created;
                var step = (now.AddHours(-2) - created) / path.Count;
                for (var s = 0; s < path.Count; s++)
                {
                    moves.Add(new CardMove
                    {
                        Id = Guid.CreateVersion7(at), EntityType = entityType, EntityId = card.Id,
                        FromStage = s == 0 ? null : path[s - 1], ToStage = path[s], UserId = card.OwnerId,
                        Metadata = """{"source":"seed"}""", CreatedAt = at,
                    });
                    at += step * (0.3 + random.NextDouble() * 0.7);
                }
                card.UpdatedAt = moves[^1].CreatedAt;
                card.LastActivityAt = card.UpdatedAt;
                card.StageEnteredAt = card.UpdatedAt;
                card.LastModifiedBy = card.OwnerId;
                if (openPath.Contains(finalStage) && random.NextDouble() < 0.6)
                {
                    card.NextActionAt = now.AddHours(random.Next(-72, 240)).Date.AddHours(random.Next(9, 17));
                    card.NextActionDetails = NextActions[random.Next(NextActions.Length)];
                }
                cards.Add(card);
            }
        }

        foreach (var stage in cards.GroupBy(c => c.Stage))
        {
            var ordered = stage.OrderByDescending(c => c.LastActivityAt).ToList();
            var keys = OrderingKey.Spread(ordered.Count);
            for (var i = 0; i < ordered.Count; i++) ordered[i].Position = keys[i];
        }
        long sequence = 0;
        foreach (var move in moves.OrderBy(m => m.CreatedAt))
        {
            move.Sequence = ++sequence;
            if (cards.First(c => c.Id == move.EntityId) is { } card && move.ToStage == card.Stage && move.CreatedAt == card.LastActivityAt)
                move.ToPosition = card.Position;
        }
        config.Sequence = sequence;
        db.Cards.AddRange(cards);
        db.Moves.AddRange(moves);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The fields of the card's own type: a lead's contact and score, an opportunity's chance and
    /// close date, a task's description, due date and assignee, a customer's plan and health.</summary>
    private static void Enrich(Card card, string company, Random random, DateTimeOffset now, IReadOnlyList<Guid> members)
    {
        var domain = new string(company.ToLowerInvariant().Where(char.IsAsciiLetter).ToArray()) + ".example";
        switch (card.EntityType)
        {
            case EntityTypes.Lead:
                card.Email = $"{FirstNames[random.Next(FirstNames.Length)]}@{domain}";
                card.Phone = $"+1 555 01{random.Next(10, 99)} {random.Next(1000, 9999)}";
                card.Source = Sources[random.Next(Sources.Length)];
                card.Score = random.Next(10, 96);
                break;
            case EntityTypes.Opportunity:
                card.Probability = Probability(card.Stage);
                card.ExpectedCloseOn = DateOnly.FromDateTime(now.AddDays(random.Next(-20, 90)).UtcDateTime);
                break;
            case EntityTypes.Task:
                card.Description = $"For {company}: agreed at the last review; see the account notes.";
                card.DueOn = DateOnly.FromDateTime(now.AddDays(random.Next(-5, 30)).UtcDateTime);
                card.AssigneeId = members[random.Next(members.Count)];
                break;
            case EntityTypes.Customer:
                card.Plan = Plans[random.Next(Plans.Length)];
                card.Health = card.Stage switch
                {
                    "at_risk" => Core.Cards.CustomerHealth.Poor,
                    "churned" => Core.Cards.CustomerHealth.Poor,
                    _ => random.NextDouble() < 0.7 ? Core.Cards.CustomerHealth.Good : Core.Cards.CustomerHealth.Fair,
                };
                break;
        }
    }
}

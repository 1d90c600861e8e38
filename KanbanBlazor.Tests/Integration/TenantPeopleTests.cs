using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Users;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>An Admin's changes to the tenant's people, through the app's services on a real database:
/// invitations, roles, deactivation, what each takes away at once, the audit, and the guards the
/// database functions keep (an active Admin acting, in their own tenant, and one Admin always left).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class TenantPeopleTests(TestDatabase database) : IAsyncLifetime
{
    private const string Password = "Temp!pass9";
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> app = null!;
    private AsyncServiceScope scope;

    public Task InitializeAsync()
    {
        app = TestApp.Create(database.AppConnectionString);
        scope = app.Services.CreateAsyncScope();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await scope.DisposeAsync();
        await app.DisposeAsync();
    }

    private TenantPeople People => scope.ServiceProvider.GetRequiredService<TenantPeople>();
    private TenantResolver Resolver => scope.ServiceProvider.GetRequiredService<TenantResolver>();

    private async Task<AppUser?> UserAsync(string email)
    {
        await using var db = await database.AccountsFactory(database.OwnerConnectionString).CreateDbContextAsync();
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedEmail == email.ToUpperInvariant());
    }

    private async Task<List<AuditEntry>> AuditAsync(TestTenant tenant)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Audit.AsNoTracking().OrderBy(a => a.Id).ToListAsync();
    }

    [Fact]
    public async Task An_admin_invites_a_new_person_who_can_sign_in_with_the_role_given_and_it_is_audited()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var admin = tenant.As(TenantRole.Admin);
        var email = $"dana.{Guid.NewGuid():N}@example.com";

        var result = await People.InviteAsync(admin, $"  {email} ", "Dana Scully", TenantRole.Manager, Password, default);

        Assert.Equal((PeopleOutcome.Done, true), (result.Outcome, result.NewAccount));
        var user = await UserAsync(email) ?? throw new InvalidOperationException("no account");
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True(await users.CheckPasswordAsync(user, Password));
        Assert.Equal(TenantRole.Manager, (await Resolver.FindMembershipAsync(user.Id, tenant.Id, default))?.Role);
        var person = Assert.Single(await People.ListAsync(admin, default), p => p.UserId == user.Id);
        Assert.Equal(("Dana Scully", email, true), (person.Name, person.Email, person.IsActive));
        var audit = Assert.Single(await AuditAsync(tenant));
        Assert.Equal(("member_invited", admin.UserId, user.Id), (audit.Action, audit.ActorId, audit.SubjectId));
        Assert.Contains("\"Manager\"", audit.Details);
    }

    [Fact]
    public async Task A_bad_invitation_says_what_is_wrong_with_each_field_and_creates_nobody()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);

        var result = await People.InviteAsync(tenant.As(TenantRole.Admin), "not an email", " ", TenantRole.SalesRep, "short", default);

        Assert.Equal(PeopleOutcome.Invalid, result.Outcome);
        Assert.Equal(new Dictionary<string, string> { ["email"] = "email", ["name"] = "required", ["password"] = "weak" }, result.Problems);
        Assert.Contains("PasswordTooShort", result.PasswordProblems!);
        Assert.Equal(4, (await People.ListAsync(tenant.As(TenantRole.Admin), default)).Count);
        Assert.Empty(await AuditAsync(tenant));
    }

    [Fact]
    public async Task Someone_with_an_account_elsewhere_keeps_their_password_and_cannot_be_invited_twice()
    {
        var home = await database.CreateTenantAsync(cardsPerStage: 0);
        var other = await database.CreateTenantAsync(cardsPerStage: 0);
        var email = $"fox.{Guid.NewGuid():N}@example.com";
        Assert.Equal(PeopleOutcome.Done, (await People.InviteAsync(home.As(TenantRole.Admin), email, "Fox Mulder", TenantRole.SalesRep, Password, default)).Outcome);

        var again = await People.InviteAsync(other.As(TenantRole.Admin), email.ToUpperInvariant(), "F. Mulder", TenantRole.Viewer, "Other!pass7", default);
        var twice = await People.InviteAsync(other.As(TenantRole.Admin), email, "Fox", TenantRole.Viewer, "Other!pass7", default);

        Assert.Equal((PeopleOutcome.Done, false), (again.Outcome, again.NewAccount));
        Assert.Equal(PeopleOutcome.AlreadyMember, twice.Outcome);
        var user = (await UserAsync(email))!;
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True(await users.CheckPasswordAsync(user, Password));
        Assert.False(await users.CheckPasswordAsync(user, "Other!pass7"));
        Assert.Equal(["F. Mulder", "Fox Mulder"], (await Resolver.MembershipsAsync(user.Id, default)).Select(m => m.UserDisplayName).Order());
    }

    [Fact]
    public async Task Only_an_active_admin_of_the_tenant_changes_its_people_and_never_those_of_another_tenant()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var other = await database.CreateTenantAsync(cardsPerStage: 0);
        var manager = tenant.As(TenantRole.Manager);
        var viewer = tenant.As(TenantRole.Viewer);

        Assert.Equal(PeopleOutcome.NotPermitted, (await People.ChangeRoleAsync(manager, viewer.UserId, TenantRole.Admin, default)).Outcome);
        Assert.Equal(PeopleOutcome.NotPermitted, (await People.SetActiveAsync(manager, viewer.UserId, false, default)).Outcome);
        Assert.Equal(PeopleOutcome.NotPermitted, (await People.InviteAsync(manager, "x@example.com", "X", TenantRole.Admin, Password, default)).Outcome);
        Assert.Empty(await People.ListAsync(manager, default));
        // An Admin of this tenant naming someone of another: nobody there, as far as this tenant can see.
        var outsider = other.As(TenantRole.SalesRep);
        Assert.Equal(PeopleOutcome.NotFound, (await People.ChangeRoleAsync(tenant.As(TenantRole.Admin), outsider.UserId, TenantRole.Viewer, default)).Outcome);
        Assert.Equal(PeopleOutcome.NotFound, (await People.SetActiveAsync(tenant.As(TenantRole.Admin), outsider.UserId, false, default)).Outcome);

        Assert.Equal(TenantRole.Viewer, (await Resolver.FindMembershipAsync(viewer.UserId, tenant.Id, default))!.Role);
        Assert.Equal(TenantRole.SalesRep, (await Resolver.FindMembershipAsync(outsider.UserId, other.Id, default))!.Role);
        Assert.Empty(await AuditAsync(tenant));
        Assert.Empty(await AuditAsync(other));
    }

    [Fact]
    public async Task A_role_change_is_audited_and_the_last_active_admin_cannot_be_demoted_or_deactivated()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var admin = tenant.As(TenantRole.Admin);
        var manager = tenant.As(TenantRole.Manager);

        Assert.Equal(PeopleOutcome.Done, (await People.ChangeRoleAsync(admin, manager.UserId, TenantRole.SalesRep, default)).Outcome);
        Assert.Equal(PeopleOutcome.Unchanged, (await People.ChangeRoleAsync(admin, manager.UserId, TenantRole.SalesRep, default)).Outcome);
        Assert.Equal(PeopleOutcome.LastAdmin, (await People.ChangeRoleAsync(admin, admin.UserId, TenantRole.Manager, default)).Outcome);
        Assert.Equal(PeopleOutcome.LastAdmin, (await People.SetActiveAsync(admin, admin.UserId, false, default)).Outcome);

        Assert.Equal(TenantRole.SalesRep, (await Resolver.FindMembershipAsync(manager.UserId, tenant.Id, default))!.Role);
        Assert.Equal(TenantRole.Admin, (await Resolver.FindMembershipAsync(admin.UserId, tenant.Id, default))!.Role);
        var audit = Assert.Single(await AuditAsync(tenant));
        Assert.Equal(("role_changed", manager.UserId), (audit.Action, audit.SubjectId));
        Assert.Contains("\"SalesRep\"", audit.Details);
    }

    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_leave_exactly_one_admin()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var first = tenant.As(TenantRole.Admin);
        var second = tenant.As(TenantRole.Manager);
        Assert.Equal(PeopleOutcome.Done, (await People.ChangeRoleAsync(first, second.UserId, TenantRole.Admin, default)).Outcome);
        var secondAsAdmin = second with { Role = TenantRole.Admin };

        for (var round = 0; round < 5; round++)
        {
            var results = await Task.WhenAll(
                Task.Run(() => NewPeople().ChangeRoleAsync(first, secondAsAdmin.UserId, TenantRole.Manager, default)),
                Task.Run(() => NewPeople().ChangeRoleAsync(secondAsAdmin, first.UserId, TenantRole.Manager, default)));

            Assert.Single(results, r => r.Outcome == PeopleOutcome.Done);
            await using var db = await database.OwnerContextAsync(tenant.Id);
            var admins = await db.Members.AsNoTracking().Where(m => m.Role == "Admin").Select(m => m.UserId).ToListAsync();
            var survivor = Assert.Single(admins);
            // Make both Admins again for the next round.
            var demoted = survivor == first.UserId ? secondAsAdmin.UserId : first.UserId;
            Assert.Equal(PeopleOutcome.Done, (await People.ChangeRoleAsync(survivor == first.UserId ? first : secondAsAdmin, demoted, TenantRole.Admin, default)).Outcome);
        }
    }

    private TenantPeople NewPeople() => app.Services.CreateScope().ServiceProvider.GetRequiredService<TenantPeople>();

    [Fact]
    public async Task A_deactivated_member_loses_access_at_once_their_account_locks_when_it_was_their_only_tenant_and_reactivation_gives_it_back()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var admin = tenant.As(TenantRole.Admin);
        var rep = tenant.As(TenantRole.SalesRep);
        var stampBefore = (await UserAsync(rep.UserId))!.SecurityStamp;
        var heard = new List<AccessChange>();
        var changes = app.Services.GetRequiredService<AccessChanges>();
        void Hear(AccessChange change) { lock (heard) heard.Add(change); }
        changes.Changed += Hear;
        try
        {
            Assert.Equal(PeopleOutcome.Done, (await People.SetActiveAsync(admin, rep.UserId, false, default)).Outcome);

            Assert.Null(await Resolver.FindMembershipAsync(rep.UserId, tenant.Id, default));
            var user = (await UserAsync(rep.UserId))!;
            Assert.True(user.LockoutEnd > DateTimeOffset.UtcNow.AddYears(100));
            Assert.NotEqual(stampBefore, user.SecurityStamp);
            // Their moves are refused by the board writer, which re-reads membership under the board lock.
            var transaction = new BoardTransaction(database.WriterFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System);
            await using (var db = await database.OwnerContextAsync(tenant.Id))
            {
                var card = await db.Cards.AsNoTracking().FirstAsync(c => c.OwnerId == rep.UserId);
                var move = await new MoveCard(transaction, NullLogger<MoveCard>.Instance).ExecuteAsync(rep, "lead", new MoveRequest(card.Id, card.Version, "contacted", 0), Guid.NewGuid(), "test", default);
                Assert.Equal(MoveRefusal.NotPermitted, move.Decision.Refusal);
            }
            // Every instance hears of it as it commits (PostgreSQL's notification): the membership and the sessions.
            await WaitUntilAsync(() => { lock (heard) return heard.Any(c => c.UserId == rep.UserId && c.TenantId == tenant.Id) && heard.Any(c => c.UserId == rep.UserId && c.EndsSessions); });
            var person = Assert.Single(await People.ListAsync(admin, default), p => p.UserId == rep.UserId);
            Assert.False(person.IsActive);

            Assert.Equal(PeopleOutcome.Done, (await People.SetActiveAsync(admin, rep.UserId, true, default)).Outcome);
            Assert.Equal(TenantRole.SalesRep, (await Resolver.FindMembershipAsync(rep.UserId, tenant.Id, default))?.Role);
            Assert.Null((await UserAsync(rep.UserId))!.LockoutEnd);
            Assert.Equal(["member_deactivated", "member_reactivated"], (await AuditAsync(tenant)).Select(a => a.Action));
        }
        finally
        {
            changes.Changed -= Hear;
        }
    }

    [Fact]
    public async Task Deactivating_someone_who_works_in_another_tenant_too_leaves_their_account_and_that_tenant_alone()
    {
        var home = await database.CreateTenantAsync(cardsPerStage: 0);
        var other = await database.CreateTenantAsync(cardsPerStage: 0);
        var email = $"walter.{Guid.NewGuid():N}@example.com";
        await People.InviteAsync(home.As(TenantRole.Admin), email, "Walter", TenantRole.SalesRep, Password, default);
        await People.InviteAsync(other.As(TenantRole.Admin), email, "Walter", TenantRole.Manager, Password, default);
        var user = (await UserAsync(email))!;

        Assert.Equal(PeopleOutcome.Done, (await People.SetActiveAsync(home.As(TenantRole.Admin), user.Id, false, default)).Outcome);

        var after = (await UserAsync(email))!;
        Assert.Null(after.LockoutEnd);
        Assert.Equal(user.SecurityStamp, after.SecurityStamp);
        Assert.Equal([other.Id], (await Resolver.MembershipsAsync(user.Id, default)).Select(m => m.TenantId));
    }

    private async Task<AppUser?> UserAsync(Guid id)
    {
        await using var db = await database.AccountsFactory(database.OwnerConnectionString).CreateDbContextAsync();
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the condition never held");
            await Task.Delay(20);
        }
    }
}

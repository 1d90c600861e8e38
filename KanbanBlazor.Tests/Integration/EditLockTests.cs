using System.Net;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Features.Board;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;
    public override DateTimeOffset GetUtcNow() => Now;
}

[Collection(DatabaseCollection.Name)]
public sealed class EditLockTests(TestDatabase database)
{
    [Fact]
    public async Task Of_twenty_people_taking_one_cards_lock_at_once_exactly_one_gets_it_until_it_expires()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var locks = new EditLocks(database.KanbanFactory(), clock);
        Guid cardId;
        await using (var db = await database.OwnerContextAsync(tenant.Id))
            cardId = db.Cards.Where(c => c.Stage == "new").Select(c => c.Id).First();
        // Each of the four members tries five times, all at once.
        var people = Enumerable.Range(0, 20).Select(i => tenant.As((TenantRole)(i % 4))).ToList();

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = people.Select(async person => { await go.Task; return (person, await locks.AcquireAsync(person, "lead", cardId, default)); }).ToList();
        go.SetResult();
        var results = await Task.WhenAll(attempts);

        // A Viewer may not lock; among the others, one holder, and everyone else told who it is.
        var holders = results.Where(r => r.Item2.Outcome == LockOutcome.Held).Select(r => r.person.UserId).Distinct().ToList();
        var holder = Assert.Single(holders);
        Assert.All(results.Where(r => r.person.Role == TenantRole.Viewer), r => Assert.Equal(LockOutcome.NotPermitted, r.Item2.Outcome));
        Assert.All(results.Where(r => r.person.Role != TenantRole.Viewer && r.person.UserId != holder), r =>
        {
            Assert.Equal(LockOutcome.HeldByOther, r.Item2.Outcome);
            Assert.Equal(holder, r.Item2.HolderId);
        });

        var owner = results.First(r => r.person.UserId == holder).person;
        var someoneElse = new[] { TenantRole.Admin, TenantRole.Manager, TenantRole.SalesRep }.Select(tenant.As).First(p => p.UserId != holder);
        // Renewing keeps it; 29 seconds later it is still held; at 30 it has expired and is anyone's.
        clock.Now += TimeSpan.FromSeconds(20);
        Assert.Equal(LockOutcome.Held, (await locks.AcquireAsync(owner, "lead", cardId, default)).Outcome);
        clock.Now += TimeSpan.FromSeconds(29);
        Assert.Equal(LockOutcome.HeldByOther, (await locks.AcquireAsync(someoneElse, "lead", cardId, default)).Outcome);
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Null(await locks.HolderAsync(someoneElse, "lead", cardId, default));
        Assert.Equal(LockOutcome.Held, (await locks.AcquireAsync(someoneElse, "lead", cardId, default)).Outcome);
        // Only its holder releases it.
        Assert.Equal(LockOutcome.HeldByOther, (await locks.ReleaseAsync(owner, "lead", cardId, default)).Outcome);
        Assert.Equal(LockOutcome.Released, (await locks.ReleaseAsync(someoneElse, "lead", cardId, default)).Outcome);
        Assert.Null(await locks.HolderAsync(owner, "lead", cardId, default));
    }

    [Fact]
    public async Task Through_the_api_a_held_lock_answers_423_naming_its_holder()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var rep = await ApiTests.CallerAsync(app, tenant, TenantRole.SalesRep);
        var manager = await ApiTests.CallerAsync(app, tenant, TenantRole.Manager);
        Guid cardId;
        await using (var db = await database.OwnerContextAsync(tenant.Id))
            cardId = db.Cards.Select(c => c.Id).First();

        var held = await ApiTests.JsonAsync(await rep.PostAsync($"/api/v1/kanban/lock/lead/{cardId}"), HttpStatusCode.OK);
        Assert.True(held.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(20));
        var locked = await ApiTests.JsonAsync(await manager.PostAsync($"/api/v1/kanban/lock/lead/{cardId}"), HttpStatusCode.Locked);
        Assert.Equal("LOCKED", locked.GetProperty("code").GetString());
        Assert.Equal(tenant.As(TenantRole.SalesRep).UserDisplayName, locked.GetProperty("heldByName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await rep.PostAsync($"/api/v1/kanban/lock/lead/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await rep.SendAsync(HttpMethod.Delete, $"/api/v1/kanban/lock/lead/{cardId}")).StatusCode);
        await ApiTests.JsonAsync(await manager.PostAsync($"/api/v1/kanban/lock/lead/{cardId}"), HttpStatusCode.OK);
    }
}

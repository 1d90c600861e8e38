using System.Collections.Concurrent;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Access changes travel from a commit in PostgreSQL to the open boards of this instance.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AccessChangeTests(TestDatabase database)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Committed_membership_and_security_stamp_changes_are_heard_and_rolled_back_ones_are_not()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var heard = new ConcurrentQueue<AccessChange>();
        var changes = new AccessChanges(NullLogger<AccessChanges>.Instance);
        changes.Changed += heard.Enqueue;
        using var listener = new AccessChangeListener(database.IdentityConnectionString, changes, NullLogger<AccessChangeListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        try
        {
            var sentinel = tenant.As(TenantRole.Viewer).UserId;
            // The listener connects in the background: touch a sentinel until it is heard.
            await WaitUntilAsync(heard, c => c.UserId == sentinel, () => ExecuteAsync(tenant.Id,
                $"UPDATE tenant_memberships SET display_name = display_name || '.' WHERE user_id = '{sentinel}'"));

            var rolledBack = tenant.As(TenantRole.Admin).UserId;
            await using (var connection = await OwnerConnectionAsync(tenant.Id))
            await using (var tx = await connection.BeginTransactionAsync())
            {
                await new NpgsqlCommand($"DELETE FROM tenant_memberships WHERE user_id = '{rolledBack}'", connection, tx).ExecuteNonQueryAsync();
                await tx.RollbackAsync();
            }
            var removed = tenant.As(TenantRole.Manager).UserId;
            await ExecuteAsync(tenant.Id, $"DELETE FROM tenant_memberships WHERE user_id = '{removed}'");
            var removal = await WaitUntilAsync(heard, c => c.UserId == removed);
            Assert.Equal(tenant.Id, removal.TenantId);
            Assert.False(removal.EndsSessions);

            var signedOut = tenant.As(TenantRole.SalesRep).UserId;
            await ExecuteAsync(tenant.Id, $"UPDATE users SET security_stamp = 'new-stamp' WHERE id = '{signedOut}'");
            var ended = await WaitUntilAsync(heard, c => c.UserId == signedOut);
            Assert.True(ended.EndsSessions);

            // Heard in commit order, after the rolled-back transaction: had it been sent, it would be here.
            Assert.DoesNotContain(heard, c => c.UserId == rolledBack);
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_removed_member_is_dropped_from_the_board_room_and_a_demoted_one_is_told_their_new_role()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var changes = new AccessChanges(NullLogger<AccessChanges>.Instance);
        var watcher = new BoardAccessWatcher(hub, changes, new TenantResolver(database.AccountsFactory()), NullLogger<BoardAccessWatcher>.Instance);
        await watcher.StartAsync(CancellationToken.None);

        var removed = new Viewer(tenant.As(TenantRole.Manager));
        var demoted = new Viewer(tenant.As(TenantRole.Admin));
        var bystander = new Viewer(tenant.As(TenantRole.SalesRep));
        using var s1 = hub.Subscribe(tenant.Id, EntityTypes.Lead, removed.Board);
        using var s2 = hub.Subscribe(tenant.Id, EntityTypes.Lead, demoted.Board);
        using var s3 = hub.Subscribe(tenant.Id, EntityTypes.Lead, bystander.Board);

        await ExecuteAsync(tenant.Id, $"UPDATE tenant_memberships SET role = 'Viewer' WHERE user_id = '{demoted.User.UserId}'");
        await ExecuteAsync(tenant.Id, $"DELETE FROM tenant_memberships WHERE user_id = '{removed.User.UserId}'");
        await watcher.ApplyAsync(new AccessChange(demoted.User.UserId, tenant.Id));
        await watcher.ApplyAsync(new AccessChange(removed.User.UserId, tenant.Id));

        Assert.Equal(TenantRole.Viewer, (await demoted.Told.Task.WaitAsync(Patience))?.Role);
        Assert.Null(await removed.Told.Task.WaitAsync(Patience));
        Assert.False(bystander.Told.Task.IsCompleted);
        Assert.Equal(2, hub.SubscriberCount(tenant.Id, EntityTypes.Lead));

        // The next change of the board reaches the others (the sentinel), and not the removed member.
        hub.Publish(new BoardChange(tenant.Id, EntityTypes.Lead, 1, new CardMoved(Guid.NewGuid(), Guid.NewGuid(), "new", "contacted", "m", 2), Guid.NewGuid()));
        await bystander.Heard.Task.WaitAsync(Patience);
        await demoted.Heard.Task.WaitAsync(Patience);
        Assert.False(removed.Heard.Task.IsCompleted);

        // Sessions ended (a new security stamp): every view of that user goes, whatever the membership.
        await watcher.ApplyAsync(new AccessChange(bystander.User.UserId, null));
        Assert.Null(await bystander.Told.Task.WaitAsync(Patience));
        Assert.Equal(1, hub.SubscriberCount(tenant.Id, EntityTypes.Lead));
        await watcher.StopAsync(CancellationToken.None);
    }

    private sealed class Viewer(CurrentTenant user)
    {
        public CurrentTenant User { get; } = user;
        public TaskCompletionSource<CurrentTenant?> Told { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Heard { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public BoardViewer Board => new(Guid.NewGuid(), User.UserId,
            _ => { Heard.TrySetResult(); return Task.CompletedTask; },
            access => { Told.TrySetResult(access); return Task.CompletedTask; });
    }

    private static async Task<AccessChange> WaitUntilAsync(ConcurrentQueue<AccessChange> heard, Func<AccessChange, bool> match, Func<Task>? poke = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (poke is not null) await poke();
            for (var i = 0; i < 10; i++)
            {
                if (heard.FirstOrDefault(match) is { } change) return change;
                await Task.Delay(20); // waiting for a notification from another connection
            }
        }
        throw new TimeoutException("The access change was not heard.");
    }

    private Task<NpgsqlConnection> OwnerConnectionAsync(Guid tenantId) => TestDatabase.OpenAsync(database.OwnerConnectionString, tenantId);

    private Task ExecuteAsync(Guid tenantId, string sql) => TestDatabase.SqlAsync(database.OwnerConnectionString, tenantId, sql);
}

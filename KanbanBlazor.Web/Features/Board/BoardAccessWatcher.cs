using KanbanBlazor.Web.Tenancy;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Keeps open boards in step with access: for each access change (pushed from PostgreSQL as it
/// commits) it re-reads the membership of every affected user viewing a board on this instance and
/// tells the hub. A removed member's views are dropped from their room and show "you no longer have
/// access"; a demoted one's board turns read-only at once; a user whose sessions ended (sign-out,
/// password change, deactivation) loses every view.
/// </summary>
public sealed class BoardAccessWatcher(BoardHub hub, AccessChanges changes, TenantResolver resolver, ILogger<BoardAccessWatcher> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        changes.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        changes.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(AccessChange change) => _ = ApplyAsync(change);

    public async Task ApplyAsync(AccessChange change)
    {
        foreach (var (userId, tenantId) in hub.ViewersConcernedBy(change))
        {
            try
            {
                var access = change.EndsSessions ? null : await resolver.FindMembershipAsync(userId, tenantId, CancellationToken.None);
                hub.ChangeAccess(userId, tenantId, access);
            }
            catch (Exception ex)
            {
                // The database is away: every move re-reads the membership anyway, and once the
                // listener is back everyone is checked again.
                logger.LogWarning(ex, "Checking access of user {UserId} in tenant {TenantId} failed", userId, tenantId);
            }
        }
    }
}

using System.Text.Json;
using KanbanBlazor.Web.Data;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// Listens on PostgreSQL's <c>kanban_access</c> channel, which triggers on memberships and on users'
/// security stamps notify as their transaction commits (migration LeastPrivilege), and publishes each
/// change to this instance's <see cref="AccessChanges"/>: a removal made anywhere (another instance,
/// an administrator's SQL) reaches open boards within moments. Reconnects by itself when the
/// connection drops (<see cref="PostgresListener"/>); after a gap everyone re-checks, since a change may have been missed.
/// </summary>
public sealed class AccessChangeListener(string connectionString, AccessChanges changes, ILogger<AccessChangeListener> logger) : BackgroundService
{
    public const string Channel = "kanban_access";
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PostgresListener.RunAsync(connectionString, Channel, "access changes",
            payload => changes.Publish(Parse(payload)),
            // After a gap everyone re-checks, since a change may have been missed.
            afterGap =>
            {
                if (afterGap) changes.Publish(AccessChange.Everyone);
            },
            () => { }, logger, stoppingToken);

    internal static AccessChange Parse(string payload)
    {
        try
        {
            using var json = JsonDocument.Parse(payload);
            Guid? Read(string name) => json.RootElement.TryGetProperty(name, out var value) && value.TryGetGuid(out var id) ? id : null;
            return Read("user") is { } user ? new AccessChange(user, Read("tenant")) : AccessChange.Everyone;
        }
        catch (JsonException)
        {
            return AccessChange.Everyone; // unreadable: the safe reading is "anything may have changed"
        }
    }
}

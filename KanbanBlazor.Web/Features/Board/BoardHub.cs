using KanbanBlazor.Core.Boards;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>A committed board change, numbered by the board's sequence.</summary>
public sealed record BoardChange(Guid TenantId, string EntityType, long Sequence, CardMoved Moved, Guid OriginId);

/// <summary>
/// The server-side circuit hub: a singleton room per tenant and board. Use cases publish after they
/// commit; each circuit viewing the board subscribes and is told of every change but its own.
/// A room key always includes the tenant, so a change can never reach another tenant's circuits.
/// Seam for several instances: a relay (PostgreSQL LISTEN/NOTIFY) calls <see cref="Publish"/> with
/// changes committed elsewhere; the sequence numbers let circuits notice anything lost on the way.
/// </summary>
public sealed class BoardHub(ILogger<BoardHub> logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(Guid Tenant, string EntityType), List<Subscription>> rooms = [];

    public IDisposable Subscribe(Guid tenantId, string entityType, Guid subscriberId, Func<BoardChange, Task> onChange)
    {
        var subscription = new Subscription(this, (tenantId, entityType), subscriberId, onChange);
        lock (gate)
        {
            if (!rooms.TryGetValue(subscription.Room, out var list)) rooms[subscription.Room] = list = [];
            list.Add(subscription);
        }
        return subscription;
    }

    public int SubscriberCount(Guid tenantId, string entityType)
    {
        lock (gate) return rooms.TryGetValue((tenantId, entityType), out var list) ? list.Count : 0;
    }

    /// <summary>Open board views on this instance, across all tenants (for /healthz; no tenant detail).</summary>
    public int TotalSubscribers
    {
        get { lock (gate) return rooms.Values.Sum(list => list.Count); }
    }

    public void Publish(BoardChange change)
    {
        Subscription[] targets;
        lock (gate)
        {
            if (!rooms.TryGetValue((change.TenantId, change.EntityType), out var list)) return;
            targets = list.Where(s => s.SubscriberId != change.OriginId).ToArray();
        }
        foreach (var target in targets) _ = Deliver(target, change);
    }

    private async Task Deliver(Subscription target, BoardChange change)
    {
        try
        {
            await target.OnChange(change);
        }
        catch (Exception ex)
        {
            // One broken circuit must not stop the others from hearing of the change.
            logger.LogWarning(ex, "Delivering board change {Sequence} to {Subscriber} failed", change.Sequence, target.SubscriberId);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (gate)
        {
            if (!rooms.TryGetValue(subscription.Room, out var list)) return;
            list.Remove(subscription);
            if (list.Count == 0) rooms.Remove(subscription.Room);
        }
    }

    private sealed class Subscription(BoardHub hub, (Guid, string) room, Guid subscriberId, Func<BoardChange, Task> onChange) : IDisposable
    {
        public (Guid Tenant, string EntityType) Room { get; } = room;
        public Guid SubscriberId { get; } = subscriberId;
        public Func<BoardChange, Task> OnChange { get; } = onChange;

        public void Dispose() => hub.Remove(this);
    }
}

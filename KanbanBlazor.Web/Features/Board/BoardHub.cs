using System.Threading.Channels;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Tenancy;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>A committed board event, numbered by the board's sequence, and the view it came from.</summary>
public sealed record BoardChange(Guid TenantId, string EntityType, long Sequence, BoardEvent Event, Guid OriginId)
{
    /// <summary>The board right after this change, as the writer holds it (one object shared by every viewer
    /// that takes it: <see cref="BoardState.TryApply"/>); null when not known (a change relayed from elsewhere).</summary>
    public BoardSnapshot? Board { get; init; }
}

/// <summary>One open view of a board: told of every change but its own, and of its user's access
/// changing (their membership now, or null when they have none: nothing more reaches them).</summary>
public sealed record BoardViewer(Guid ViewerId, Guid UserId, Func<BoardChange, Task> OnChange, Func<CurrentTenant?, Task>? OnAccessChanged = null)
{
    /// <summary>When set, the changes waiting for this viewer are handed over together, in order (a
    /// commit's events, or a burst of commits): a circuit renders once for them all, not once each.</summary>
    public Func<IReadOnlyList<BoardChange>, Task>? OnChanges { get; init; }

    /// <summary>The viewer's name, as others see it among those viewing the board.</summary>
    public string UserName { get; init; } = "";

    /// <summary>Told who views the board and who edits which card, whenever that changes.</summary>
    public Func<BoardPresence, Task>? OnPresence { get; init; }

    /// <summary>Told that changes may have been missed (the relay from other instances lost its
    /// connection for a while): the viewer catches up from the log by its own sequence.</summary>
    public Func<Task>? OnResync { get; init; }
}

/// <summary>Who views a board (each person once, by name, on this instance or any other) and who edits
/// which card, numbered so that a viewer told twice keeps the newer.</summary>
public sealed record BoardPresence(long Version, IReadOnlyList<(Guid UserId, string Name)> Viewing, IReadOnlyDictionary<Guid, string> Editing)
{
    public static readonly BoardPresence None = new(0, [], new Dictionary<Guid, string>());

    public bool SameAs(BoardPresence other) =>
        Viewing.SequenceEqual(other.Viewing) && Editing.Count == other.Editing.Count && Editing.All(e => other.Editing.TryGetValue(e.Key, out var name) && name == e.Value);
}

/// <summary>One instance's share of a board's presence: who views it there and who edits which card
/// there (by card, in card order, so that two pieces compare by their items).</summary>
public sealed record PresencePiece(IReadOnlyList<(Guid UserId, string Name)> Viewing, IReadOnlyList<(Guid CardId, Guid UserId, string Name)> Editing)
{
    public static readonly PresencePiece Empty = new([], []);

    public bool IsEmpty => Viewing.Count == 0 && Editing.Count == 0;

    public bool SameAs(PresencePiece other) => Viewing.SequenceEqual(other.Viewing) && Editing.SequenceEqual(other.Editing);
}

/// <summary>
/// The server-side circuit hub: a singleton room per tenant and board. Use cases publish after they
/// commit; each circuit viewing the board subscribes and is told of every change but its own.
/// A room key always includes the tenant, so a change can never reach another tenant's circuits, and
/// a viewer whose membership ends is dropped from the room (<see cref="BoardAccessWatcher"/>).
/// Several instances: <see cref="BoardRelay"/> calls <see cref="Publish"/> with changes committed on
/// other instances (read from the log), and <see cref="Resync"/> after it lost its connection; the
/// sequence numbers let circuits notice anything lost or late on the way. Presence is this instance's
/// viewers and editors merged with what other instances last said of theirs (<see cref="PresenceRelay"/>
/// calls <see cref="RemotePresence"/>, and <see cref="ExpirePresence"/> forgets an instance gone silent);
/// <see cref="LocalPresenceChanged"/> tells the relay when this instance's own share changed.
/// Each viewer has its own bounded queue, and a few pumps (every core but one) give the viewers with
/// changes waiting their turns: publishing never waits for a viewer, and a circuit that awaits
/// something never delays the others. A viewer that falls <see cref="QueueLength"/> changes behind
/// loses the overflow, sees the gap in the sequence, and reloads.
/// </summary>
/// <param name="delivering">how many viewers are told of changes at once (<see cref="pumpsAtMost"/>); 0: every core but one</param>
public sealed class BoardHub(ILogger<BoardHub> logger, int delivering = 0)
{
    public const int QueueLength = 512;

    private readonly Lock gate = new();
    private readonly Dictionary<(Guid Tenant, string EntityType), List<Subscription>> rooms = [];
    // Per room: the presence last told, and who edits which card (card → editor's user id and name).
    private readonly Dictionary<(Guid Tenant, string EntityType), BoardPresence> told = [];
    private readonly Dictionary<(Guid Tenant, string EntityType), Dictionary<Guid, (Guid UserId, string Name)>> editing = [];
    private long presenceVersion;
    // Per room: this instance's own share as last announced, and every other instance's as last heard (until it expires).
    private readonly Dictionary<(Guid Tenant, string EntityType), PresencePiece> localTold = [];
    private readonly Dictionary<(Guid Tenant, string EntityType), Dictionary<Guid, (PresencePiece Piece, DateTimeOffset Until)>> remote = [];

    /// <summary>This instance's own share of a board's presence changed (empty: nobody here any more).</summary>
    public event Action<(Guid Tenant, string EntityType), PresencePiece>? LocalPresenceChanged;

    public IDisposable Subscribe(Guid tenantId, string entityType, Guid subscriberId, Func<BoardChange, Task> onChange) =>
        Subscribe(tenantId, entityType, new BoardViewer(subscriberId, Guid.Empty, onChange));

    public IDisposable Subscribe(Guid tenantId, string entityType, BoardViewer viewer)
    {
        var subscription = new Subscription(this, (tenantId, entityType), viewer);
        lock (gate)
        {
            if (!rooms.TryGetValue(subscription.Room, out var list)) rooms[subscription.Room] = list = [];
            list.Add(subscription);
        }
        // Everyone hears of the newcomer if the people changed; else the newcomer alone hears who is there.
        if (!PresenceChanged(subscription.Room) && viewer.OnPresence is { } tell)
        {
            BoardPresence now;
            lock (gate) now = told.GetValueOrDefault(subscription.Room) ?? BoardPresence.None;
            _ = TellPresenceAsync(subscription, tell, now);
        }
        return subscription;
    }

    /// <summary>Someone opened a card of the board to edit it (or closed it: <paramref name="editorName"/> null).</summary>
    public void Editing(Guid tenantId, string entityType, Guid cardId, Guid userId, string? editorName)
    {
        var room = (tenantId, entityType);
        lock (gate)
        {
            if (!editing.TryGetValue(room, out var cards)) editing[room] = cards = [];
            if (editorName is not null) cards[cardId] = (userId, editorName);
            else if (cards.TryGetValue(cardId, out var editor) && editor.UserId == userId) cards.Remove(cardId);
            if (cards.Count == 0) editing.Remove(room);
        }
        PresenceChanged(room);
    }

    /// <summary>Who views and edits the board now, as last told.</summary>
    public BoardPresence PresenceOf(Guid tenantId, string entityType)
    {
        lock (gate) return told.GetValueOrDefault((tenantId, entityType)) ?? BoardPresence.None;
    }

    /// <summary>This instance's own share of every board's presence (for a heartbeat, or an instance that asks).</summary>
    public IReadOnlyList<((Guid Tenant, string EntityType) Room, PresencePiece Piece)> LocalPresence()
    {
        lock (gate) return localTold.Select(entry => (entry.Key, entry.Value)).ToList();
    }

    /// <summary>This instance's own share of one board's presence now.</summary>
    public PresencePiece LocalPresenceOf((Guid Tenant, string EntityType) room)
    {
        lock (gate) return localTold.GetValueOrDefault(room) ?? PresencePiece.Empty;
    }

    /// <summary>What another instance says of its share of a board's presence, believed until <paramref name="until"/>
    /// (an empty piece: nobody there any more).</summary>
    public void RemotePresence(Guid instance, (Guid Tenant, string EntityType) room, PresencePiece piece, DateTimeOffset until)
    {
        lock (gate)
        {
            if (!remote.TryGetValue(room, out var pieces)) remote[room] = pieces = [];
            if (piece.IsEmpty) pieces.Remove(instance);
            else pieces[instance] = (piece, until);
            if (pieces.Count == 0) remote.Remove(room);
        }
        PresenceChanged(room);
    }

    /// <summary>Forgets what other instances said and no longer confirm (<paramref name="instance"/>: that
    /// one instance, which said goodbye, whatever the time).</summary>
    public void ExpirePresence(DateTimeOffset now, Guid? instance = null)
    {
        List<(Guid, string)> changed = [];
        lock (gate)
        {
            foreach (var (room, pieces) in remote)
            {
                var gone = pieces.Where(p => p.Key == instance || p.Value.Until <= now).Select(p => p.Key).ToList();
                if (gone.Count == 0) continue;
                foreach (var key in gone) pieces.Remove(key);
                changed.Add(room);
            }
            foreach (var room in changed.Where(r => remote[r].Count == 0)) remote.Remove(room);
        }
        foreach (var room in changed) PresenceChanged(room);
    }

    /// <summary>Tells every viewer of the room who is there now (here and on other instances), when that
    /// differs from what they were last told: a second tab of someone already there, or a thousand, tells
    /// nobody anything. Tells the relay when this instance's own share changed.</summary>
    /// <returns>whether the viewers were told</returns>
    private bool PresenceChanged((Guid Tenant, string EntityType) room)
    {
        BoardPresence now;
        Subscription[] targets = [];
        PresencePiece? localNow = null;
        bool same;
        lock (gate)
        {
            var list = rooms.GetValueOrDefault(room) ?? [];
            var local = new PresencePiece(
                list.Where(s => s.Viewer.UserId != Guid.Empty).GroupBy(s => s.Viewer.UserId).Select(g => (g.Key, g.First().Viewer.UserName))
                    .OrderBy(v => v.UserName, StringComparer.Ordinal).ThenBy(v => v.Key).ToList(),
                editing.GetValueOrDefault(room)?.Select(e => (e.Key, e.Value.UserId, e.Value.Name)).OrderBy(e => e.Key).ToList() ?? []);
            if (!local.SameAs(localTold.GetValueOrDefault(room) ?? PresencePiece.Empty))
            {
                localNow = local;
                if (local.IsEmpty) localTold.Remove(room);
                else localTold[room] = local;
            }
            var pieces = remote.GetValueOrDefault(room)?.Values.Select(p => p.Piece).Prepend(local).ToList() ?? [local];
            var viewing = pieces.SelectMany(p => p.Viewing).GroupBy(v => v.UserId).Select(g => g.First())
                .OrderBy(v => v.Name, StringComparer.CurrentCulture).ThenBy(v => v.UserId).ToList();
            var edits = new Dictionary<Guid, string>();
            foreach (var (card, _, name) in pieces.SelectMany(p => p.Editing)) edits.TryAdd(card, name);
            now = new BoardPresence(0, viewing, edits);
            same = told.GetValueOrDefault(room) is { } last && last.SameAs(now);
            if (!same)
            {
                now = now with { Version = ++presenceVersion };
                if (list.Count == 0 && viewing.Count == 0 && edits.Count == 0) told.Remove(room);
                else told[room] = now;
                targets = list.Where(s => s.Viewer.OnPresence is not null).ToArray();
            }
        }
        if (localNow is not null) LocalPresenceChanged?.Invoke(room, localNow);
        foreach (var target in targets) _ = TellPresenceAsync(target, target.Viewer.OnPresence!, now);
        return !same;
    }

    private async Task TellPresenceAsync(Subscription target, Func<BoardPresence, Task> tell, BoardPresence presence)
    {
        try
        {
            await tell(presence);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Telling viewer {Subscriber} who is on the board failed", target.Viewer.ViewerId);
        }
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
            targets = list.Where(s => s.Viewer.ViewerId != change.OriginId).ToArray();
        }
        foreach (var target in targets)
        {
            if (target.Queue.Writer.TryWrite(change)) Schedule(target);
            else logger.LogWarning("Viewer {Subscriber} is {Length} changes behind; change {Sequence} dropped, it will reload", target.Viewer.ViewerId, QueueLength, change.Sequence);
        }
    }

    /// <summary>Tells every viewer on this instance that changes may have been missed (<see cref="BoardViewer.OnResync"/>).</summary>
    public void Resync()
    {
        Subscription[] targets;
        lock (gate) targets = rooms.Values.SelectMany(list => list).Where(s => s.Viewer.OnResync is not null).ToArray();
        foreach (var target in targets) _ = ResyncAsync(target);
    }

    private async Task ResyncAsync(Subscription target)
    {
        try
        {
            await target.Viewer.OnResync!();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Viewer {Subscriber} could not catch up", target.Viewer.ViewerId);
        }
    }

    /// <summary>At most this many waiting changes are handed to a viewer at once (all its queue holds).</summary>
    public const int MaxDelivery = QueueLength;

    /// <summary>How many pumps tell viewers of changes at once, across all boards: every core but one by
    /// default. A circuit renders what it is told on the thread that tells it, so this keeps a core for
    /// everything else (the writes themselves, pages, the API). A pump works through the viewers with
    /// changes waiting, in turn, on its own thread: no hand-over between one viewer and the next. Under a
    /// burst, a viewer takes all the changes that came since its last turn together and renders once for
    /// them: the more changes, the fewer renders each, and a busy board never starves its own writers.</summary>
    private readonly int pumpsAtMost = delivering > 0 ? delivering : Math.Max(1, Environment.ProcessorCount - 1);
    private int pumps;
    // Viewers with changes waiting, each at most once (Subscription.Scheduled), in the order they got them.
    private readonly System.Collections.Concurrent.ConcurrentQueue<Subscription> ready = new();

    /// <summary>Puts the viewer in line for a turn, unless it is in line or taking its turn already.</summary>
    private void Schedule(Subscription target)
    {
        if (Interlocked.Exchange(ref target.Scheduled, 1) != 0) return;
        ready.Enqueue(target);
        for (var running = Volatile.Read(ref pumps); running < pumpsAtMost; running = Volatile.Read(ref pumps))
        {
            if (Interlocked.CompareExchange(ref pumps, running + 1, running) != running) continue;
            ThreadPool.UnsafeQueueUserWorkItem(static hub => hub.Pump(), this, preferLocal: false);
            return;
        }
    }

    private void Pump()
    {
        while (true)
        {
            while (ready.TryDequeue(out var target))
            {
                try
                {
                    Turn(target);
                }
                catch (Exception ex)
                {
                    // A pump that died here would leave its count taken, and nobody told of anything again.
                    logger.LogError(ex, "Giving viewer {Subscriber} its turn failed", target.Viewer.ViewerId);
                    TurnDone(target);
                }
            }
            Interlocked.Decrement(ref pumps);
            // A viewer put in line just as this pump stopped, with every pump busy, would wait for nobody:
            // look again, and go on unless another pump has started meanwhile.
            if (ready.IsEmpty) return;
            if (Interlocked.Increment(ref pumps) <= pumpsAtMost) continue;
            Interlocked.Decrement(ref pumps);
            return;
        }
    }

    /// <summary>A viewer's turn: every change waiting for it, handed over together. The turn lasts while it
    /// works on them on this thread (a circuit renders them here when it is free); whatever it then awaits
    /// holds up nobody, and it gets in line again once that is done, if more came meanwhile.</summary>
    private void Turn(Subscription target)
    {
        var most = target.Viewer.OnChanges is null ? 1 : MaxDelivery;
        var waiting = new List<BoardChange>(Math.Min(most, target.Queue.Reader.Count));
        while (waiting.Count < most && target.Queue.Reader.TryRead(out var change)) waiting.Add(change);
        // In the viewer's own execution context, as it subscribed (its circuit's culture, above all): the
        // circuit renders here, on the pump's thread.
        var turn = new TurnOf(this, target, waiting);
        ExecutionContext.Run(target.Context, static state => ((TurnOf)state!).Take(), turn);
        var told = turn.Told!;
        if (told.IsCompleted) TurnDone(target);
        else told.ContinueWith(static (_, state) => { var (hub, viewer) = ((BoardHub, Subscription))state!; hub.TurnDone(viewer); },
            (this, target), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private sealed class TurnOf(BoardHub hub, Subscription target, List<BoardChange> waiting)
    {
        public Task? Told { get; private set; }

        public void Take() => Told = hub.TellChangesAsync(target, waiting);
    }

    private void TurnDone(Subscription target)
    {
        Volatile.Write(ref target.Scheduled, 0);
        if (target.Queue.Reader.Count > 0) Schedule(target);
    }

    private async Task TellChangesAsync(Subscription target, List<BoardChange> waiting)
    {
        if (waiting.Count == 0) return;
        try
        {
            if (target.Viewer.OnChanges is { } together) await together(waiting);
            else foreach (var change in waiting) await target.Viewer.OnChange(change);
            Operations.KanbanTelemetry.ChangesDelivered.Add(waiting.Count);
            var now = DateTimeOffset.UtcNow;
            foreach (var change in waiting)
                if (change.Event.At != default) Operations.KanbanTelemetry.DeliveryLag.Record((now - change.Event.At).TotalMilliseconds);
        }
        catch (Exception ex)
        {
            // A broken circuit must not stop hearing later changes, nor anyone else.
            logger.LogWarning(ex, "Delivering board changes {First}..{Last} to {Subscriber} failed", waiting[0].Sequence, waiting[^1].Sequence, target.Viewer.ViewerId);
        }
    }

    /// <summary>The users (and their tenants) with open views that <paramref name="change"/> concerns.</summary>
    public IReadOnlyList<(Guid UserId, Guid TenantId)> ViewersConcernedBy(AccessChange change)
    {
        lock (gate)
        {
            return rooms
                .SelectMany(room => room.Value.Select(s => (s.Viewer.UserId, room.Key.Tenant)))
                .Where(v => v.UserId != Guid.Empty && change.Concerns(v.UserId) && (change.TenantId is null || change.TenantId == v.Tenant))
                .Distinct()
                .ToList();
        }
    }

    /// <summary>
    /// Tells the user's open views in the tenant what their access is now. With none, their
    /// subscriptions are removed first, so that not one more change of the board reaches them.
    /// </summary>
    public void ChangeAccess(Guid userId, Guid tenantId, CurrentTenant? access)
    {
        List<Subscription> affected;
        lock (gate)
        {
            affected = rooms.Where(room => room.Key.Tenant == tenantId)
                .SelectMany(room => room.Value.Where(s => s.Viewer.UserId == userId))
                .ToList();
            if (access is null)
            {
                foreach (var subscription in affected) RemoveLocked(subscription);
                if (affected.Count > 0) logger.LogInformation("User {UserId} lost access to tenant {TenantId}: {Count} board views closed", userId, tenantId, affected.Count);
            }
        }
        if (access is null)
            foreach (var room in affected.Select(s => s.Room).Distinct()) PresenceChanged(room);
        foreach (var subscription in affected)
        {
            if (subscription.Viewer.OnAccessChanged is { } tell) _ = TellAsync(subscription, tell, access);
        }
    }

    private async Task TellAsync(Subscription target, Func<CurrentTenant?, Task> tell, CurrentTenant? access)
    {
        try
        {
            await tell(access);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Telling viewer {Subscriber} of an access change failed", target.Viewer.ViewerId);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (gate) RemoveLocked(subscription);
        PresenceChanged(subscription.Room);
    }

    private void RemoveLocked(Subscription subscription)
    {
        subscription.Queue.Writer.TryComplete();
        if (!rooms.TryGetValue(subscription.Room, out var list)) return;
        list.Remove(subscription);
        if (list.Count == 0) rooms.Remove(subscription.Room);
    }

    private sealed class Subscription(BoardHub hub, (Guid, string) room, BoardViewer viewer) : IDisposable
    {
        public (Guid Tenant, string EntityType) Room { get; } = room;
        public BoardViewer Viewer { get; } = viewer;
        // 1 while the viewer is in line for a turn or taking it (BoardHub.Schedule).
        public int Scheduled;
        // Where the viewer subscribed from (a circuit's culture and the like): its turns are taken in it.
        public ExecutionContext Context { get; } = ExecutionContext.Capture() ?? throw new InvalidOperationException("The execution context does not flow.");
        public Channel<BoardChange> Queue { get; } = Channel.CreateBounded<BoardChange>(
            new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

        public void Dispose() => hub.Remove(this);
    }
}

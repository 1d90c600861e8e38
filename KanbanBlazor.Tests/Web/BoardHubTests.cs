using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Features.Board;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Web;

public sealed class BoardHubTests
{
    private static readonly Guid Tenant = Guid.NewGuid();

    private static BoardChange Change(long sequence) =>
        new(Tenant, EntityTypes.Lead, sequence, new CardMoved(Guid.NewGuid(), Guid.NewGuid(), "new", "won", "V", 2), Guid.NewGuid());

    [Fact]
    public async Task A_stuck_viewer_delays_neither_the_publisher_nor_the_other_viewers_and_loses_only_its_overflow()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuckHeard = new List<long>();
        var healthyHeard = new List<long>();
        const int batches = 10, batch = BoardHub.QueueLength / 8;
        var total = batches * batch;
        using var stuck = hub.Subscribe(Tenant, EntityTypes.Lead, Guid.NewGuid(), async change =>
        {
            lock (stuckHeard) stuckHeard.Add(change.Sequence);
            await release.Task; // a circuit that stopped answering
        });
        using var healthy = hub.Subscribe(Tenant, EntityTypes.Lead, Guid.NewGuid(), change =>
        {
            lock (healthyHeard) healthyHeard.Add(change.Sequence);
            return Task.CompletedTask;
        });

        // Changes come in bursts; the healthy viewer keeps up with each while the stuck one hears nothing.
        for (var b = 0; b < batches; b++)
        {
            for (var i = 1; i <= batch; i++) hub.Publish(Change(b * batch + i));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (HeardCount(healthyHeard) < (b + 1) * batch && DateTime.UtcNow < deadline)
                await Task.Delay(5); // waiting for the healthy viewer's queue to drain
        }
        Assert.True(total > BoardHub.QueueLength + 1);
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), healthyHeard);

        release.SetResult();
        // The stuck viewer gets what its queue held (the first change, then a full queue) and no
        // more: the rest were dropped, which it will see as a gap in the sequence.
        var drained = DateTime.UtcNow.AddSeconds(10);
        while (HeardCount(stuckHeard) < BoardHub.QueueLength && DateTime.UtcNow < drained)
            await Task.Delay(10); // waiting for the released viewer to drain its queue
        lock (stuckHeard)
        {
            Assert.InRange(stuckHeard.Count, BoardHub.QueueLength, BoardHub.QueueLength + 1);
            Assert.Equal(stuckHeard.Order(), stuckHeard);
            Assert.DoesNotContain((long)total, stuckHeard);
        }
    }

    [Fact]
    public async Task Viewers_take_turns_at_rendering_and_those_that_waited_take_what_came_meanwhile_together()
    {
        // One turn: a circuit renders what it is told on the telling thread, and no more than this many
        // render at once, so the writes always keep a core of their own.
        var hub = new BoardHub(NullLogger<BoardHub>.Instance, delivering: 1);
        var rendering = 0;
        var mostAtOnce = 0;
        var first = 0;
        using var secondAtOnce = new ManualResetEventSlim();
        var heard = Enumerable.Range(0, 4).Select(_ => new List<long[]>()).ToArray();
        var subscriptions = heard.Select(deliveries => hub.Subscribe(Tenant, EntityTypes.Lead, new BoardViewer(Guid.NewGuid(), Guid.Empty, _ => throw new InvalidOperationException("one at a time"))
        {
            OnChanges = changes =>
            {
                var now = Interlocked.Increment(ref rendering);
                InterlockedMax(ref mostAtOnce, now);
                if (now > 1) secondAtOnce.Set();
                // A long render (synchronous work on this thread): the first gives a second viewer time to
                // start rendering beside it, as it would without turns (the thread pool adds a thread
                // within a second when its threads are all blocked).
                if (Interlocked.Exchange(ref first, 1) == 0) secondAtOnce.Wait(TimeSpan.FromSeconds(2));
                else Thread.Sleep(5);
                lock (deliveries) deliveries.Add(changes.Select(c => c.Sequence).ToArray());
                Interlocked.Decrement(ref rendering);
                return Task.CompletedTask;
            },
        })).ToList();

        for (var sequence = 1; sequence <= 5; sequence++) hub.Publish(Change(sequence));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (heard.Any(d => Heard(d) < 5) && DateTime.UtcNow < deadline) await Task.Delay(10); // waiting for every viewer to hear all five
        subscriptions.ForEach(s => s.Dispose());

        Assert.Equal(1, mostAtOnce);
        foreach (var deliveries in heard)
            lock (deliveries) Assert.Equal([1L, 2L, 3L, 4L, 5L], deliveries.SelectMany(d => d));
        // The viewers that waited for their turn heard the five in fewer renders than five.
        Assert.True(heard.Sum(d => { lock (d) return d.Count; }) < 4 * 5, "changes that waited for a turn were handed over together");

        static int Heard(List<long[]> deliveries)
        {
            lock (deliveries) return deliveries.Sum(d => d.Length);
        }
        static void InterlockedMax(ref int most, int value)
        {
            for (var seen = Volatile.Read(ref most); value > seen; seen = Volatile.Read(ref most))
                if (Interlocked.CompareExchange(ref most, value, seen) == seen) return;
        }
    }

    [Fact]
    public async Task Changes_published_from_many_threads_at_once_reach_every_viewer_once_each_in_the_order_each_was_published()
    {
        // Two pumps, twenty viewers (half of them finish their turn later, as a circuit busy elsewhere does),
        // four publishers at once: nothing lost, nothing twice, and each publisher's changes in its order.
        var hub = new BoardHub(NullLogger<BoardHub>.Instance, delivering: 2);
        const int publishers = 4, each = 120; // 480 in all: within a viewer's queue, so none is dropped
        var heard = Enumerable.Range(0, 20).Select(_ => new List<long>()).ToArray();
        var subscriptions = heard.Select((list, index) => hub.Subscribe(Tenant, EntityTypes.Lead, new BoardViewer(Guid.NewGuid(), Guid.Empty, _ => throw new InvalidOperationException("one at a time"))
        {
            OnChanges = async changes =>
            {
                lock (list) list.AddRange(changes.Select(c => c.Sequence));
                if (index % 2 == 1) await Task.Yield();
            },
        })).ToList();

        using var start = new Barrier(publishers);
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < each; i++) hub.Publish(Change(p * 1000 + i));
        })));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (heard.Any(h => HeardCount(h) < publishers * each) && DateTime.UtcNow < deadline) await Task.Delay(10); // waiting for every viewer to hear all
        subscriptions.ForEach(s => s.Dispose());

        var all = Enumerable.Range(0, publishers).SelectMany(p => Enumerable.Range(0, each).Select(i => (long)(p * 1000 + i))).Order().ToList();
        foreach (var list in heard)
            lock (list)
            {
                Assert.Equal(all, list.Order());
                for (var p = 0; p < publishers; p++)
                {
                    var mine = list.Where(s => s / 1000 == p).ToList();
                    Assert.Equal(mine.Order(), mine);
                }
            }
    }

    [Fact]
    public async Task A_viewer_hears_changes_in_its_own_culture_whoever_published_them()
    {
        // A circuit renders what it is told on the telling thread: in its user's language, not the writer's.
        var hub = new BoardHub(NullLogger<BoardHub>.Instance, delivering: 1);
        var heardIn = new TaskCompletionSource<(string Culture, string Language)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await Task.Run(() =>
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("pt-BR");
            return hub.Subscribe(Tenant, EntityTypes.Lead, new BoardViewer(Guid.NewGuid(), Guid.Empty, _ => throw new InvalidOperationException("one at a time"))
            {
                OnChanges = _ =>
                {
                    heardIn.TrySetResult((System.Globalization.CultureInfo.CurrentCulture.Name, System.Globalization.CultureInfo.CurrentUICulture.Name));
                    return Task.CompletedTask;
                },
            });
        });
        await Task.Run(() =>
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("en-US");
            hub.Publish(Change(1));
        });

        Assert.Equal(("pt-BR", "pt-BR"), await heardIn.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        subscription.Dispose();
    }

    private static int HeardCount(List<long> heard)
    {
        lock (heard) return heard.Count;
    }

    [Fact]
    public async Task Changes_that_wait_for_a_busy_viewer_are_handed_over_together_in_order()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deliveries = new List<long[]>();
        var allHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var viewer = hub.Subscribe(Tenant, EntityTypes.Lead, new BoardViewer(Guid.NewGuid(), Guid.Empty, _ => throw new InvalidOperationException("one at a time"))
        {
            OnChanges = async changes =>
            {
                lock (deliveries) deliveries.Add(changes.Select(c => c.Sequence).ToArray());
                firstHeard.TrySetResult();
                await busy.Task; // rendering the first change
                if (changes[^1].Sequence == 6) allHeard.TrySetResult();
            },
        });

        hub.Publish(Change(1));
        await firstHeard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var sequence = 2; sequence <= 6; sequence++) hub.Publish(Change(sequence));
        busy.SetResult();
        await allHeard.Task.WaitAsync(TimeSpan.FromSeconds(10));

        lock (deliveries) Assert.Equal([[1L], [2L, 3L, 4L, 5L, 6L]], deliveries);
    }
}

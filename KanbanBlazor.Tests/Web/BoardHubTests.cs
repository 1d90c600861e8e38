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

using System.Text.Json;
using System.Threading.Channels;
using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Board events across app instances, relayed by PostgreSQL. The board writer sends a notification
/// on <see cref="Channel"/> inside each board transaction (<see cref="BoardTransaction"/>), so it is
/// delivered when, and only when, the events committed. It names the instance, the tenant, the board
/// and the sequence numbers the commit took, never the events themselves: every instance listening
/// skips its own, reads the others' from the log by sequence (<see cref="BoardLog"/>) and publishes
/// them to its circuits on that board (<see cref="BoardHub.Publish"/>), which apply them in order.
/// The listener reconnects by itself (<see cref="PostgresListener"/>); after a gap every open board on this instance catches up from
/// the log by its own sequence (<see cref="BoardHub.Resync"/>), so nothing committed meanwhile is missed.
/// </summary>
public sealed class BoardRelay(string connectionString, IDbContextFactory<KanbanDbContext> factory, BoardHub hub, ILogger<BoardRelay> logger)
    : BackgroundService
{
    public const string Channel = "kanban_board";

    private readonly Channel<Notice> notices = System.Threading.Channels.Channel.CreateUnbounded<Notice>(new UnboundedChannelOptions { SingleReader = true });
    private long relayed;
    private long heard;
    private long reconnects;

    /// <summary>This instance among those sharing the database (its own notifications are skipped).</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();

    /// <summary>For operators and tests: other instances' events published here, notifications heard
    /// (own ones included), times the listener came back after losing its connection.</summary>
    public (long Relayed, long Heard, long Reconnects) Counts => (Interlocked.Read(ref relayed), Interlocked.Read(ref heard), Interlocked.Read(ref reconnects));

    /// <summary>Whether the listener is connected and listening now.</summary>
    public bool Listening { get; private set; }

    /// <summary>A commit of board events: which board, which sequence numbers, from which instance.</summary>
    public sealed record Notice(Guid Instance, Guid TenantId, string EntityType, long First, long Last);

    /// <summary>The notification's text for a commit on this instance (well under PostgreSQL's 8,000 bytes).</summary>
    public string NoticeFor(Guid tenantId, string entityType, long first, long last) =>
        JsonSerializer.Serialize(new { i = InstanceId, t = tenantId, b = entityType, f = first, l = last });

    internal static Notice? Parse(string payload)
    {
        try
        {
            using var json = JsonDocument.Parse(payload);
            var root = json.RootElement;
            return new Notice(root.GetProperty("i").GetGuid(), root.GetProperty("t").GetGuid(), root.GetProperty("b").GetString()!,
                root.GetProperty("f").GetInt64(), root.GetProperty("l").GetInt64());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), RelayAsync(stoppingToken));

    private Task ListenAsync(CancellationToken stoppingToken) =>
        PostgresListener.RunAsync(connectionString, Channel, "board events",
            payload =>
            {
                Interlocked.Increment(ref heard);
                if (Parse(payload) is { } notice && notice.Instance != InstanceId) notices.Writer.TryWrite(notice);
            },
            afterGap =>
            {
                Listening = true;
                if (!afterGap) return;
                // Whatever other instances committed while nobody here listened: every open board reads it from the log.
                Interlocked.Increment(ref reconnects);
                hub.Resync();
            },
            () => Listening = false, logger, stoppingToken);

    private async Task RelayAsync(CancellationToken stoppingToken)
    {
        var waiting = new List<Notice>();
        try
        {
            while (await notices.Reader.WaitToReadAsync(stoppingToken))
            {
                waiting.Clear();
                while (waiting.Count < 1000 && notices.Reader.TryRead(out var notice)) waiting.Add(notice);
                // A burst on one board is read in one query: from its first number to its last.
                foreach (var board in waiting.GroupBy(n => (n.TenantId, n.EntityType)))
                {
                    if (hub.SubscriberCount(board.Key.TenantId, board.Key.EntityType) == 0) continue;
                    try
                    {
                        await RelayAsync(board.Key.TenantId, board.Key.EntityType, board.Min(n => n.First), board.Max(n => n.Last), stoppingToken);
                    }
                    catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                    {
                        // The circuits notice the gap and catch up from the log themselves.
                        logger.LogWarning(ex, "Relaying board {EntityType} events {First}..{Last} failed", board.Key.EntityType, board.Min(n => n.First), board.Max(n => n.Last));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RelayAsync(Guid tenantId, string entityType, long first, long last, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenantId, ct);
        for (var from = first; from <= last; from += BoardLog.MaxCatchUp)
        {
            var to = Math.Min(last, from + BoardLog.MaxCatchUp - 1);
            var rows = await db.Moves.AsNoTracking()
                .Where(m => m.EntityType == entityType && m.Sequence >= from && m.Sequence <= to)
                .OrderBy(m => m.Sequence)
                .ToListAsync(ct);
            if (await BoardLog.RebuildAsync(db, rows, ct) is not { } events)
            {
                logger.LogWarning("Board {EntityType} events {First}..{Last} cannot be rebuilt from the log; its viewers will reload", entityType, from, to);
                return;
            }
            foreach (var change in events)
                hub.Publish(new BoardChange(tenantId, entityType, change.Sequence, change.Event, Guid.Empty));
            Interlocked.Add(ref relayed, events.Count);
            Operations.KanbanTelemetry.EventsRelayed.Add(events.Count);
        }
    }
}

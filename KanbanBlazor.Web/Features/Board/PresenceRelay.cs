using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using KanbanBlazor.Web.Data;
using Npgsql;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Presence across app instances (who views a board, who edits which card), relayed by PostgreSQL on
/// <see cref="Channel"/>. Each instance announces its own share of a board's presence whenever it
/// changes (<see cref="BoardHub.LocalPresenceChanged"/>) and all of it again every <see cref="Heartbeat"/>;
/// the others keep what they heard for <see cref="Expiry"/> after they last heard it, so the viewers of
/// an instance that died without a word are gone from everyone's board within that time. An instance
/// that stops says goodbye, and its share goes at once. One that (re)starts listening asks the others to
/// announce theirs now rather than at their next heartbeat. Announcements name tenants, boards, people
/// and cards by id with the people's display names; they are read only by the app's own listeners.
/// </summary>
public sealed class PresenceRelay(string connectionString, BoardHub hub, TimeProvider clock, ILogger<PresenceRelay> logger)
    : BackgroundService
{
    public const string Channel = "kanban_presence";

    /// <summary>PostgreSQL refuses a notification of 8,000 bytes or more; announcements stay below this.</summary>
    public const int MaxPayload = 7800;

    // What the sender does next: announce these boards' shares, announce everything, ask, or say goodbye.
    private abstract record Job;
    private sealed record Announce((Guid Tenant, string EntityType) Room) : Job;
    private sealed record AnnounceAll : Job;
    private sealed record Ask : Job;

    private readonly Channel<Job> jobs = System.Threading.Channels.Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private long heard;

    /// <summary>This instance among those sharing the database (its own announcements are skipped).</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();

    /// <summary>How often this instance announces all of its share, to keep it alive elsewhere.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long another instance's share is believed without being heard again.</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the listener is connected and listening now.</summary>
    public bool Listening { get; private set; }

    /// <summary>Announcements heard from other instances (for tests).</summary>
    public long HeardCount => Interlocked.Read(ref heard);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        hub.LocalPresenceChanged += OnLocalPresenceChanged;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        hub.LocalPresenceChanged -= OnLocalPresenceChanged;
        await base.StopAsync(cancellationToken);
        // Goodbye: the others forget this instance's viewers now rather than when they expire.
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await SendAsync(Message("x", []), timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogInformation("Could not say goodbye to the other instances ({Reason}); they forget this one's viewers within {Expiry}", ex.Message, Expiry);
        }
    }

    private void OnLocalPresenceChanged((Guid Tenant, string EntityType) room, PresencePiece piece) => jobs.Writer.TryWrite(new Announce(room));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), SendLoopAsync(stoppingToken), BeatAsync(stoppingToken));

    private Task ListenAsync(CancellationToken stoppingToken) =>
        PostgresListener.RunAsync(connectionString, Channel, "presence", OnNotified,
            _ =>
            {
                Listening = true;
                // Whatever was said while nobody here listened: ask everyone to say it again.
                jobs.Writer.TryWrite(new Ask());
            },
            () => Listening = false, logger, stoppingToken);

    private void OnNotified(string payload)
    {
        if (Parse(payload) is not { } message || message.Instance == InstanceId) return;
        Interlocked.Increment(ref heard);
        switch (message.Kind)
        {
            case "x":
                hub.ExpirePresence(clock.GetUtcNow(), message.Instance);
                break;
            case "h":
                jobs.Writer.TryWrite(new AnnounceAll());
                break;
            default:
                var until = clock.GetUtcNow() + Expiry;
                foreach (var (room, piece) in message.Rooms) hub.RemotePresence(message.Instance, room, piece, until);
                break;
        }
    }

    private async Task BeatAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Heartbeat, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                jobs.Writer.TryWrite(new AnnounceAll());
                hub.ExpirePresence(clock.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sender, so that announcements arrive in the order they were made.</summary>
    private async Task SendLoopAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        try
        {
            while (await jobs.Reader.WaitToReadAsync(stoppingToken))
            {
                var all = false;
                var ask = false;
                var rooms = new HashSet<(Guid, string)>();
                while (jobs.Reader.TryRead(out var job))
                {
                    switch (job)
                    {
                        case Announce one: rooms.Add(one.Room); break;
                        case AnnounceAll: all = true; break;
                        case Ask: ask = all = true; break;
                    }
                }
                var pieces = all
                    ? hub.LocalPresence()
                    : rooms.Select(room => (room, hub.LocalPresenceOf(room))).ToList();
                try
                {
                    if (ask) await SendAsync(Message("h", []), stoppingToken);
                    foreach (var payload in Messages(pieces)) await SendAsync(payload, stoppingToken);
                    if (failing) logger.LogInformation("Announcing presence works again");
                    failing = false;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The next heartbeat announces everything again.
                    if (!failing) logger.LogWarning(ex, "Announcing presence failed; retrying with the next heartbeat");
                    failing = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(string payload, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
        notify.Parameters.AddWithValue("channel", Channel);
        notify.Parameters.AddWithValue("payload", payload);
        await notify.ExecuteNonQueryAsync(ct);
    }

    /// <summary>An announcement as heard: from which instance, what kind ("p" shares, "h" asking, "x" goodbye), which shares.</summary>
    public sealed record Announcement(Guid Instance, string Kind, IReadOnlyList<((Guid Tenant, string EntityType) Room, PresencePiece Piece)> Rooms);

    private string Message(string kind, IEnumerable<string> rooms) =>
        $"{{\"i\":\"{InstanceId}\",\"k\":\"{kind}\",\"r\":[{string.Join(",", rooms)}]}}";

    /// <summary>The shares as announcements, as many boards in each as fit. A board whose share alone would
    /// not fit (a hundred people on it) is announced with as many of its viewers as fit.</summary>
    public IEnumerable<string> Messages(IReadOnlyList<((Guid Tenant, string EntityType) Room, PresencePiece Piece)> pieces)
    {
        var budget = MaxPayload - Encoding.UTF8.GetByteCount(Message("p", []));
        var batch = new List<string>();
        var size = 0;
        foreach (var (room, piece) in pieces)
        {
            var entry = Entry(room, piece);
            for (var keep = piece.Viewing.Count - 1; Encoding.UTF8.GetByteCount(entry) > budget && keep >= 0; keep--)
                entry = Entry(room, piece with { Viewing = piece.Viewing.Take(keep).ToList() });
            var bytes = Encoding.UTF8.GetByteCount(entry) + 1;
            if (bytes > budget) continue;
            if (size + bytes > budget)
            {
                yield return Message("p", batch);
                batch.Clear();
                size = 0;
            }
            batch.Add(entry);
            size += bytes;
        }
        if (batch.Count > 0) yield return Message("p", batch);
    }

    private static string Entry((Guid Tenant, string EntityType) room, PresencePiece piece) =>
        JsonSerializer.Serialize(new
        {
            t = room.Tenant,
            b = room.EntityType,
            v = piece.Viewing.Select(v => new object[] { v.UserId, v.Name }),
            e = piece.Editing.Select(e => new object[] { e.CardId, e.UserId, e.Name }),
        });

    public static Announcement? Parse(string payload)
    {
        try
        {
            using var json = JsonDocument.Parse(payload);
            var root = json.RootElement;
            var rooms = root.GetProperty("r").EnumerateArray().Select(r => (
                (r.GetProperty("t").GetGuid(), r.GetProperty("b").GetString()!),
                new PresencePiece(
                    r.GetProperty("v").EnumerateArray().Select(v => (v[0].GetGuid(), v[1].GetString()!)).ToList(),
                    r.GetProperty("e").EnumerateArray().Select(e => (e[0].GetGuid(), e[1].GetGuid(), e[2].GetString()!)).ToList()))).ToList();
            return new Announcement(root.GetProperty("i").GetGuid(), root.GetProperty("k").GetString()!, rooms);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

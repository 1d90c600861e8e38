using System.Text.Json;
using Npgsql;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// Listens on PostgreSQL's <c>kanban_access</c> channel, which triggers on memberships and on users'
/// security stamps notify as their transaction commits (migration LeastPrivilege), and publishes each
/// change to this instance's <see cref="AccessChanges"/>: a removal made anywhere (another instance,
/// an administrator's SQL) reaches open boards within moments. Reconnects by itself when the
/// connection drops; after a gap everyone re-checks, since a change may have been missed.
/// </summary>
public sealed class AccessChangeListener(string connectionString, AccessChanges changes, ILogger<AccessChangeListener> logger) : BackgroundService
{
    public const string Channel = "kanban_access";
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Its own connection, never pooled: LISTEN belongs to the session. Keepalive notices a dead peer.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 10 };
        var missedSome = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => changes.Publish(Parse(e.Payload));
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                if (missedSome)
                {
                    logger.LogInformation("Listening for access changes again; every open session re-checks its access");
                    changes.Publish(AccessChange.Everyone);
                    KanbanBlazor.Web.Operations.KanbanTelemetry.ListenReconnects.Add(1);
                    missedSome = false;
                }
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (!missedSome) logger.LogWarning(ex, "Listening for access changes failed; retrying every {Interval}", RetryInterval);
                missedSome = true;
                try
                {
                    await Task.Delay(RetryInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

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

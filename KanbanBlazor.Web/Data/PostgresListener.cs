using Npgsql;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// A <c>LISTEN</c> that keeps itself alive: its own connection, never pooled (LISTEN belongs to the
/// session; behind PgBouncer in transaction mode it needs a direct one), with keepalive to notice a
/// dead peer. When the connection is lost it says so once, retries every <see cref="RetryInterval"/>,
/// and when it listens again tells the caller that notifications may have been missed in between.
/// Used for board events (BoardRelay) and access changes (AccessChangeListener).
/// </summary>
public static class PostgresListener
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <param name="what">what is listened for, for the log ("board events")</param>
    /// <param name="listening">called each time it listens: with true when it was lost before (something may have been missed)</param>
    /// <param name="lost">called when the connection is lost</param>
    public static async Task RunAsync(string connectionString, string channel, string what, Action<string> notified,
        Action<bool> listening, Action lost, ILogger logger, CancellationToken stoppingToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 5, ApplicationName = $"kanban {channel} listener" };
        var wasLost = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => notified(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                if (wasLost)
                {
                    Operations.KanbanTelemetry.ListenReconnects.Add(1);
                    logger.LogInformation("Listening for {What} again", what);
                }
                listening(wasLost);
                wasLost = false;
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                lost();
                if (!wasLost) logger.LogWarning(ex, "Listening for {What} failed; retrying every {Interval}", what, RetryInterval);
                wasLost = true;
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
}

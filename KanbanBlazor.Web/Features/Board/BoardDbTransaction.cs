using Npgsql;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// The board writer's transaction: begun by the first statement of its first batch and committed by the
/// last of its last (<see cref="BoardTransaction"/>, <see cref="BoardCommit"/>), so each round trip gets
/// one answer. Npgsql does not know of it; EF is told not to open one of its own. Disposed without a
/// commit, it rolls back; on a connection that broke, the server has ended it already.
/// </summary>
internal sealed class BoardDbTransaction(NpgsqlConnection connection) : IAsyncDisposable
{
    private bool ended;

    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>A notification on <see cref="BoardRelay.Channel"/> sent just before the COMMIT, in the
    /// transaction: PostgreSQL delivers it if and only if the transaction commits.</summary>
    public string? Notice { get; set; }

    /// <summary>The statement that sends <see cref="Notice"/>, to go before the COMMIT; null when there is none.</summary>
    public NpgsqlBatchCommand? NoticeCommand() =>
        Notice is null ? null : new NpgsqlBatchCommand($"SELECT pg_notify('{BoardRelay.Channel}', $1)") { Parameters = { new NpgsqlParameter { Value = Notice } } };

    /// <summary>The COMMIT went out with the last batch and succeeded.</summary>
    public void Committed() => ended = true;

    public async Task CommitAsync(CancellationToken ct)
    {
        await using var commit = new NpgsqlBatch(Connection);
        if (NoticeCommand() is { } notice) commit.BatchCommands.Add(notice);
        commit.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await commit.ExecuteNonQueryAsync(ct);
        ended = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (ended) return;
        ended = true;
        if (Connection.FullState != System.Data.ConnectionState.Open) return;
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", Connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection broke: PostgreSQL ends the transaction with it, and Npgsql does not pool it.
        }
    }
}

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

    /// <summary>The COMMIT went out with the last batch and succeeded.</summary>
    public void Committed() => ended = true;

    public async Task CommitAsync(CancellationToken ct)
    {
        await using var commit = new NpgsqlCommand("COMMIT", Connection);
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

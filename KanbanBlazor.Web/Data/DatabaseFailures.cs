using Npgsql;

namespace KanbanBlazor.Web.Data;

/// <summary>Telling "PostgreSQL cannot be reached" (restarting, shutting down, PgBouncer waiting for it,
/// the network) from a fault of ours, anywhere in an exception's chain.</summary>
public static class DatabaseFailures
{
    public static bool IsUnavailable(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // Connection errors (class 08, PgBouncer's query_wait_timeout among them), shutdowns and
                // "cannot connect now" (57P01-57P03), too many connections (class 53). Not a serialization
                // failure or a deadlock: those are answered by trying the transaction again.
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
                                               || pg.SqlState.StartsWith("53", StringComparison.Ordinal):
                    return true;
                case PostgresException:
                    return false;
                // No answer from the server at all: refused, reset, timed out.
                case NpgsqlException:
                    return true;
            }
        }
        return false;
    }
}

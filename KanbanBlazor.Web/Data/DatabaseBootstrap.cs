using Npgsql;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Development and test only: with a superuser connection, creates the database, the owning role and
/// the serving roles (board and identity) when they are missing. In production a DBA creates these
/// (README, "Deploying"). The serving roles are deliberately not the owner and have no BYPASSRLS, so
/// row-level security holds for them; the migrations grant them what they need and no more.
/// </summary>
public static class DatabaseBootstrap
{
    public static async Task EnsureAsync(string superuserConnectionString, string ownerConnectionString, IReadOnlyList<string> servingConnectionStrings, CancellationToken ct)
    {
        var owner = new NpgsqlConnectionStringBuilder(ownerConnectionString);
        var serving = servingConnectionStrings.Select(c => new NpgsqlConnectionStringBuilder(c)).ToList();
        var database = owner.Database ?? throw new InvalidOperationException("The owner connection string names no database.");
        var quote = new NpgsqlCommandBuilder();

        var admin = new NpgsqlConnectionStringBuilder(superuserConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(ct);
        var roles = serving.Select(s => (s.Username!, " NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")).Prepend((owner.Username!, ""));
        foreach (var (role, extra) in roles.Distinct())
        {
            if (!await Exists(connection, "SELECT 1 FROM pg_roles WHERE rolname = @name", role, ct))
                await Execute(connection, $"CREATE ROLE {quote.QuoteIdentifier(role)} LOGIN{extra}", ct);
        }
        if (!await Exists(connection, "SELECT 1 FROM pg_database WHERE datname = @name", database, ct))
            await Execute(connection, $"CREATE DATABASE {quote.QuoteIdentifier(database)} OWNER {quote.QuoteIdentifier(owner.Username!)}", ct);
    }

    private static async Task<bool> Exists(NpgsqlConnection connection, string sql, string name, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("name", name);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}

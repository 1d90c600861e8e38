using Npgsql;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Applies the versioned, hand-written SQL scripts in Data/Migrations (embedded resources, applied in
/// name order) as the owning role. A session-level advisory lock makes instances that start together
/// take turns: the second finds the work done. Each script runs in its own transaction with its
/// version row, so a failed script leaves nothing half-applied.
/// </summary>
public sealed class DatabaseMigrator(ILogger<DatabaseMigrator> logger)
{
    private const long AdvisoryLockKey = 0x4B616E62616E; // "Kanban"

    public static IReadOnlyList<(string Version, string Sql)> Scripts()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        const string prefix = "KanbanBlazor.Web.Data.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (n[prefix.Length..^4], reader.ReadToEnd());
            })
            .ToList();
    }

    /// <param name="ownerConnectionString">a role that owns (or may create) the schema</param>
    /// <param name="appRole">the role the app connects as: granted data access, never ownership</param>
    public async Task MigrateAsync(string ownerConnectionString, string appRole, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(ct);
        await Execute(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", ct);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, ct);
            var applied = new HashSet<string>();
            await using (var read = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var rows = await read.ExecuteReaderAsync(ct))
                while (await rows.ReadAsync(ct)) applied.Add(rows.GetString(0));

            foreach (var (version, sql) in Scripts().Where(s => !applied.Contains(s.Version)))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await Execute(connection, sql, ct);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES (@v)", connection))
                {
                    record.Parameters.AddWithValue("v", version);
                    await record.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Version}", version);
            }

            var role = new NpgsqlCommandBuilder().QuoteIdentifier(appRole);
            await Execute(connection, $"""
                GRANT USAGE ON SCHEMA public TO {role};
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
                REVOKE ALL ON schema_migrations FROM {role};
                """, ct);
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Applies the EF Core migrations of <see cref="AccountsDbContext"/> (Data/Migrations) as the owning
/// role. EF's own migration lock is not race-safe on PostgreSQL, so instances that start together
/// take turns on a session-level advisory lock held by the connection the migrations run on: the
/// second finds the work done. Each migration runs in its own transaction.
/// A database made by the hand-written migrator that came before (schema_migrations holding
/// 0001_initial: a developer's .data/) is taken over: its schema is the initial migration's, so that
/// migration is recorded as applied and the rest run as usual; no data is touched.
/// </summary>
public sealed class DatabaseMigrator(ILogger<DatabaseMigrator> logger)
{
    private const long AdvisoryLockKey = 0x4B616E62616E; // "Kanban"
    /// <summary>The session settings migrations read to know which roles to grant access to.</summary>
    public const string AppRoleSetting = "kanban.app_role";
    public const string IdentityRoleSetting = "kanban.identity_role";
    private const string LegacyInitial = "0001_initial";

    /// <param name="ownerConnectionString">a role that owns (or may create) the schema</param>
    /// <param name="roles">the roles the app connects as: granted data access, never ownership</param>
    public async Task MigrateAsync(string ownerConnectionString, DatabaseRoles roles, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", ct);
        try
        {
            await using (var setting = new NpgsqlCommand("SELECT set_config(@app, @board, false), set_config(@identity, @identityRole, false)", connection))
            {
                setting.Parameters.AddWithValue("app", AppRoleSetting);
                setting.Parameters.AddWithValue("board", roles.Board);
                setting.Parameters.AddWithValue("identity", IdentityRoleSetting);
                setting.Parameters.AddWithValue("identityRole", roles.Identity);
                await setting.ExecuteNonQueryAsync(ct);
            }
            await using var db = new AccountsDbContext(new DbContextOptionsBuilder<AccountsDbContext>().UseNpgsql(connection).Options);
            await TakeOverLegacySchemaAsync(db, connection, ct);
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            if (pending.Count == 0) return;
            await db.Database.MigrateAsync(ct);
            logger.LogInformation("Applied migrations {Migrations}", pending);
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private async Task TakeOverLegacySchemaAsync(AccountsDbContext db, NpgsqlConnection connection, CancellationToken ct)
    {
        await using (var check = new NpgsqlCommand(
            "SELECT to_regclass('public.schema_migrations') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class WHERE relname = 'tenants')", connection))
        {
            if (await check.ExecuteScalarAsync(ct) is not true) return;
        }
        await using (var legacy = new NpgsqlCommand("SELECT count(*) FROM schema_migrations WHERE version = @v", connection))
        {
            legacy.Parameters.AddWithValue("v", LegacyInitial);
            if ((long)(await legacy.ExecuteScalarAsync(ct))! == 0)
                throw new InvalidOperationException("schema_migrations exists without 0001_initial: this database is not one KanbanBlazor made.");
        }

        var initial = db.Database.GetMigrations().First();
        var history = db.GetService<IHistoryRepository>();
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, history.GetCreateIfNotExistsScript(), ct);
        await ExecuteAsync(connection, history.GetInsertScript(new HistoryRow(initial, ProductInfo.GetVersion())), ct);
        await ExecuteAsync(connection, "DROP TABLE schema_migrations", ct);
        await tx.CommitAsync(ct);
        logger.LogWarning("Took over a database made by the hand-written migrator: recorded {Migration} as applied", initial);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The roles the app serves as. <see cref="Board"/> serves board traffic (ConnectionStrings:Kanban);
/// <see cref="Identity"/> signs people in and checks sessions (ConnectionStrings:KanbanIdentity).</summary>
public sealed record DatabaseRoles(string Board, string Identity);

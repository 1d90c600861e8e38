using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

[Collection(DatabaseCollection.Name)]
public sealed class MigrationTests(TestDatabase database)
{
    private static async Task<string> NewDatabaseAsync(TestDatabase database)
    {
        var name = $"kanban_mig_{Guid.NewGuid():N}"[..26];
        var owner = $"{TestDatabase.Server()};Database={name};Username=kanban_owner;Pooling=false";
        await DatabaseBootstrap.EnsureAsync(database.SuperuserConnectionString, owner, [$"{TestDatabase.Server()};Database={name};Username=kanban_app", $"{TestDatabase.Server()};Database={name};Username=kanban_identity"], default);
        return owner;
    }

    [Fact]
    public void The_model_has_no_changes_that_a_migration_does_not_cover()
    {
        using var accounts = database.AccountsFactory().CreateDbContext();
        Assert.False(accounts.Database.HasPendingModelChanges(), "The EF model changed without a migration: run dotnet ef migrations add.");
        Assert.True(accounts.Database.GetMigrations().Count() >= 2);
    }

    [Fact]
    public async Task Instances_migrating_at_once_apply_each_migration_exactly_once()
    {
        var owner = await NewDatabaseAsync(database);
        var migrators = Enumerable.Range(0, 4).Select(_ => new DatabaseMigrator(NullLogger<DatabaseMigrator>.Instance)).ToList();
        await Task.WhenAll(migrators.Select(m => Task.Run(() => m.MigrateAsync(owner, TestDatabase.Roles, default))));

        await using var accounts = database.AccountsFactory().CreateDbContext();
        var expected = accounts.Database.GetMigrations().ToList();
        Assert.True(expected.Count >= 2, "the race needs at least two pending migrations to mean anything");
        var applied = await database.ScalarAsync<long>(owner, "SELECT count(*) FROM \"__EFMigrationsHistory\"");
        Assert.Equal(expected.Count, applied);
        Assert.Equal(expected.Count, await database.ScalarAsync<long>(owner, "SELECT count(DISTINCT \"MigrationId\") FROM \"__EFMigrationsHistory\""));
    }

    [Fact]
    public async Task A_database_made_by_the_hand_written_migrator_is_taken_over_with_its_data_and_ends_identical_to_a_new_one()
    {
        var owner = await NewDatabaseAsync(database);
        await ExecuteAsync(owner, await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Integration", "Legacy", "0001_initial.sql")));
        // What the old migrator did around its script: record it, and grant the app role its access.
        await ExecuteAsync(owner, """
            CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO schema_migrations (version) VALUES ('0001_initial');
            GRANT USAGE ON SCHEMA public TO kanban_app;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kanban_app;
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kanban_app;
            REVOKE ALL ON schema_migrations FROM kanban_app;
            INSERT INTO tenants (id, slug, name) VALUES ('00000000-0000-0000-0000-00000000aaaa', 'legacy-co', 'Legacy Co');
            INSERT INTO users (id, display_name, user_name, email_confirmed, phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count)
                VALUES ('00000000-0000-0000-0000-00000000bbbb', 'Lee Legacy', 'lee@legacy.test', true, false, false, true, 0);
            INSERT INTO tenant_memberships (tenant_id, user_id, role, display_name)
                VALUES ('00000000-0000-0000-0000-00000000aaaa', '00000000-0000-0000-0000-00000000bbbb', 'Admin', 'Lee Legacy');
            """);

        await new DatabaseMigrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync(owner, TestDatabase.Roles, default);

        // As a superuser: memberships are under row-level security, for their owner too.
        Assert.Equal("Lee Legacy", await database.ScalarAsync<string>(new Npgsql.NpgsqlConnectionStringBuilder(owner) { Username = "postgres" }.ConnectionString,
            "SELECT m.display_name FROM tenant_memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.slug = 'legacy-co'"));
        await using var accounts = database.AccountsFactory().CreateDbContext();
        Assert.Equal(accounts.Database.GetMigrations().Count(), await database.ScalarAsync<long>(owner, "SELECT count(*) FROM \"__EFMigrationsHistory\""));
        Assert.False(await database.ScalarAsync<bool>(owner, "SELECT to_regclass('public.schema_migrations') IS NOT NULL"));

        // Every column, constraint, index, policy and grant of the taken-over database is the same as
        // in one that EF migrations built from nothing: the initial migration reproduces the old schema.
        Assert.Equal(await SchemaAsync(database.OwnerConnectionString), await SchemaAsync(owner));
    }

    [Fact]
    public async Task Running_the_migrator_again_changes_nothing()
    {
        var before = await SchemaAsync(database.OwnerConnectionString);
        await new DatabaseMigrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync(database.OwnerConnectionString, TestDatabase.Roles, default);
        Assert.Equal(before, await SchemaAsync(database.OwnerConnectionString));
    }

    /// <summary>The schema as text lines: columns (type, null, default, collation), constraints,
    /// indexes, row-level security, policies and the app role's grants; bookkeeping tables left out.</summary>
    internal static async Task<List<string>> SchemaAsync(string connectionString)
    {
        const string bookkeeping = "('__EFMigrationsHistory', 'schema_migrations')";
        var queries = new[]
        {
            $"""
            SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                || coalesce(' collate ' || nullif(co.collname, 'default'), '')
                || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname NOT IN {bookkeeping}
            """,
            $"""
            SELECT 'constraint ' || c.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relname NOT IN {bookkeeping}
            """,
            $"SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT IN {bookkeeping}",
            $"""
            SELECT 'rls ' || relname || ' ' || relrowsecurity || ' ' || relforcerowsecurity
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relkind = 'r' AND c.relname NOT IN {bookkeeping}
            """,
            "SELECT 'policy ' || tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies WHERE schemaname = 'public'",
            $"SELECT 'grant ' || table_name || ' ' || privilege_type FROM information_schema.role_table_grants WHERE grantee = 'kanban_app' AND table_name NOT IN {bookkeeping}",
        };
        var lines = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in queries)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

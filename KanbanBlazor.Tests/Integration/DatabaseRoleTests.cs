using KanbanBlazor.Core.Access;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// Connects as each role the app serves as and tries what an attacker with that connection would:
/// the board role (every board request) and the identity role (sign-in and session checks).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class DatabaseRoleTests(TestDatabase database)
{
    private const string PermissionDenied = "42501";
    private const string ForeignKeyViolation = "23503";

    [Theory]
    [InlineData("SELECT password_hash FROM users")]
    [InlineData("SELECT security_stamp FROM users")]
    [InlineData("SELECT count(*) FROM users")]
    [InlineData("UPDATE users SET password_hash = 'x'")]
    [InlineData("SELECT count(*) FROM tenants")]
    public async Task The_board_role_cannot_touch_identity_data(string sql)
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var error = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(database.AppConnectionString, tenant.Id, sql));
        Assert.Equal(PermissionDenied, error.SqlState);
    }

    [Fact]
    public async Task The_board_role_sees_only_its_tenants_memberships_and_cannot_write_any()
    {
        var mine = await database.CreateTenantAsync(cardsPerStage: 0);
        var theirs = await database.CreateTenantAsync(cardsPerStage: 0);

        Assert.Equal(4L, await RunAsync(database.AppConnectionString, mine.Id, "SELECT count(*) FROM tenant_memberships"));
        Assert.Equal(0L, await RunAsync(database.AppConnectionString, mine.Id,
            $"SELECT count(*) FROM tenant_memberships WHERE tenant_id = '{theirs.Id}'"));
        Assert.Equal(0L, await RunAsync(database.AppConnectionString, null, "SELECT count(*) FROM tenant_memberships"));

        var me = mine.As(TenantRole.SalesRep).UserId;
        foreach (var sql in new[]
        {
            $"INSERT INTO tenant_memberships (tenant_id, user_id, role, display_name) VALUES ('{theirs.Id}', '{me}', 'Admin', 'Intruder')",
            $"INSERT INTO tenant_memberships (tenant_id, user_id, role, display_name) VALUES ('{mine.Id}', '{theirs.As(TenantRole.Admin).UserId}', 'Admin', 'Intruder')",
            $"UPDATE tenant_memberships SET role = 'Admin' WHERE user_id = '{me}'",
            $"DELETE FROM tenant_memberships WHERE tenant_id = '{mine.Id}'",
        })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(database.AppConnectionString, mine.Id, sql));
            Assert.Equal(PermissionDenied, error.SqlState);
        }
        Assert.Equal(nameof(TenantRole.SalesRep), await RunAsync(database.OwnerConnectionString, mine.Id,
            $"SELECT role FROM tenant_memberships WHERE user_id = '{me}'"));
    }

    [Fact]
    public async Task The_identity_role_reads_memberships_to_sign_in_but_writes_none_and_reads_no_board()
    {
        var mine = await database.CreateTenantAsync();
        var theirs = await database.CreateTenantAsync(cardsPerStage: 0);
        var me = mine.As(TenantRole.SalesRep).UserId;

        // Sign-in's path: before any tenant is known, which tenants does this user belong to?
        Assert.Equal(1L, await RunAsync(database.IdentityConnectionString, null, $"SELECT count(*) FROM tenant_memberships WHERE user_id = '{me}'"));
        // Identity's own job: lockout counts, security stamps, password changes.
        Assert.Equal(1, await ExecuteAsync(database.IdentityConnectionString, $"UPDATE users SET access_failed_count = 1 WHERE id = '{me}'"));

        foreach (var sql in new[]
        {
            $"INSERT INTO tenant_memberships (tenant_id, user_id, role, display_name) VALUES ('{theirs.Id}', '{me}', 'Admin', 'Intruder')",
            $"UPDATE tenant_memberships SET role = 'Admin' WHERE user_id = '{me}'",
            $"DELETE FROM tenant_memberships WHERE user_id = '{me}'",
            "INSERT INTO tenants (id, slug, name) VALUES (gen_random_uuid(), 'evil-co', 'Evil')",
            "INSERT INTO users (id, display_name, email_confirmed, phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count) VALUES (gen_random_uuid(), 'Eve', true, false, false, false, 0)",
            "SELECT count(*) FROM cards",
            "SELECT count(*) FROM kanban_moves",
            "SELECT count(*) FROM kanban_configs",
        })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(database.IdentityConnectionString, mine.Id, sql));
            Assert.Equal(PermissionDenied, error.SqlState);
        }
    }

    [Fact]
    public async Task Another_tenants_ids_fail_exactly_like_ids_that_do_not_exist()
    {
        var mine = await database.CreateTenantAsync();
        var theirs = await database.CreateTenantAsync();
        var myMove = await InsertMoveAsync(mine, undoes: null, id: Guid.NewGuid());
        var theirMove = await InsertMoveAsync(theirs, undoes: null, id: Guid.NewGuid());
        var nobody = Guid.NewGuid();

        // Pointing at my own tenant's move works.
        await InsertMoveAsync(mine, undoes: myMove, id: Guid.NewGuid());

        // Theirs, as a reference: refused exactly as an id that exists nowhere.
        var foreign = await Assert.ThrowsAsync<PostgresException>(() => InsertMoveAsync(mine, undoes: theirMove, id: Guid.NewGuid()));
        var missing = await Assert.ThrowsAsync<PostgresException>(() => InsertMoveAsync(mine, undoes: nobody, id: Guid.NewGuid()));
        Assert.Equal(ForeignKeyViolation, foreign.SqlState);
        Assert.Equal(missing.SqlState, foreign.SqlState);
        Assert.Equal(missing.ConstraintName, foreign.ConstraintName);
        Assert.Equal(missing.Detail?.Replace(nobody.ToString(), "ID"), foreign.Detail?.Replace(theirMove.ToString(), "ID"));

        // Theirs, as the id of a new row: no unique-key error either; the row simply is mine.
        await InsertMoveAsync(mine, undoes: null, id: theirMove);
        Assert.Equal(1L, await RunAsync(database.OwnerConnectionString, theirs.Id, $"SELECT count(*) FROM kanban_moves WHERE id = '{theirMove}'"));

        // The same for a stage pointing at another tenant's board configuration.
        var theirBoard = (Guid)(await RunAsync(database.OwnerConnectionString, theirs.Id, "SELECT id FROM kanban_configs"))!;
        var stage = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(database.AppConnectionString, mine.Id,
            $"INSERT INTO kanban_stages (id, tenant_id, board_config_id, key, name, position, outcome) VALUES (gen_random_uuid(), '{mine.Id}', '{theirBoard}', 'sneaky', 'Sneaky', 9, 'Open')"));
        Assert.Equal(ForeignKeyViolation, stage.SqlState);
    }

    private async Task<Guid> InsertMoveAsync(TestTenant tenant, Guid? undoes, Guid id)
    {
        var sequence = Random.Shared.NextInt64(1_000_000, long.MaxValue);
        await RunAsync(database.AppConnectionString, tenant.Id,
            $"""
            INSERT INTO kanban_moves (id, tenant_id, entity_type, entity_id, to_stage, sequence, undo_move_id)
            VALUES ('{id}', '{tenant.Id}', 'lead', gen_random_uuid(), 'new', {sequence}, {(undoes is { } u ? $"'{u}'" : "NULL")})
            """);
        return id;
    }

    private static Task<object?> RunAsync(string connectionString, Guid? tenantId, string sql) => TestDatabase.SqlAsync(connectionString, tenantId, sql);

    private static async Task<int> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }
}

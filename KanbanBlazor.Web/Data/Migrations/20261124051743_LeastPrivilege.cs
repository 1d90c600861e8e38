using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class LeastPrivilege : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "kanban_moves_undo_move_id_fkey",
                table: "kanban_moves");

            migrationBuilder.DropForeignKey(
                name: "kanban_stages_board_config_id_fkey",
                table: "kanban_stages");

            migrationBuilder.DropPrimaryKey(
                name: "kanban_stages_pkey",
                table: "kanban_stages");

            migrationBuilder.DropPrimaryKey(
                name: "kanban_moves_pkey",
                table: "kanban_moves");

            migrationBuilder.DropPrimaryKey(
                name: "kanban_configs_pkey",
                table: "kanban_configs");

            migrationBuilder.DropPrimaryKey(
                name: "cards_pkey",
                table: "cards");

            migrationBuilder.AddPrimaryKey(
                name: "kanban_stages_pkey",
                table: "kanban_stages",
                columns: new[] { "tenant_id", "id" });

            migrationBuilder.AddPrimaryKey(
                name: "kanban_moves_pkey",
                table: "kanban_moves",
                columns: new[] { "tenant_id", "id" });

            migrationBuilder.AddPrimaryKey(
                name: "kanban_configs_pkey",
                table: "kanban_configs",
                columns: new[] { "tenant_id", "id" });

            migrationBuilder.AddPrimaryKey(
                name: "cards_pkey",
                table: "cards",
                columns: new[] { "tenant_id", "id" });

            migrationBuilder.AddForeignKey(
                name: "kanban_moves_tenant_id_undo_move_id_fkey",
                table: "kanban_moves",
                columns: new[] { "tenant_id", "undo_move_id" },
                principalTable: "kanban_moves",
                principalColumns: new[] { "tenant_id", "id" });

            migrationBuilder.AddForeignKey(
                name: "kanban_stages_tenant_id_board_config_id_fkey",
                table: "kanban_stages",
                columns: new[] { "tenant_id", "board_config_id" },
                principalTable: "kanban_configs",
                principalColumns: new[] { "tenant_id", "id" },
                onDelete: ReferentialAction.Cascade);

            // Least privilege (README, "Database roles"). The board role (kanban.app_role) serves board
            // traffic: no identity data at all, and memberships only of the tenant its connection is set
            // to, read-only. The identity role (kanban.identity_role) signs people in before a tenant is
            // known: it reads users, tenants and every membership, and updates users (lockout, security
            // stamp, password, language); it reads nothing of the boards and writes no membership.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    board text := current_setting('kanban.app_role', true);
                    identity text := current_setting('kanban.identity_role', true);
                BEGIN
                    IF coalesce(board, '') = '' OR coalesce(identity, '') = '' THEN
                        RAISE EXCEPTION 'Set kanban.app_role and kanban.identity_role to the roles the app connects as before migrating (the app does this itself).';
                    END IF;
                    EXECUTE format('REVOKE ALL ON tenants, users, user_claims, user_logins, user_tokens, tenant_memberships FROM %I', board);
                    EXECUTE format('GRANT SELECT ON tenant_memberships TO %I', board);

                    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', identity);
                    EXECUTE format('GRANT SELECT, UPDATE ON users TO %I', identity);
                    EXECUTE format('GRANT SELECT ON user_claims, user_logins, user_tokens, tenants, tenant_memberships TO %I', identity);

                    ALTER TABLE tenant_memberships ENABLE ROW LEVEL SECURITY;
                    ALTER TABLE tenant_memberships FORCE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON tenant_memberships
                        USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
                        WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
                    -- Sign-in's path: which tenants does this user belong to, before any tenant is chosen.
                    EXECUTE format('CREATE POLICY identity_reads ON tenant_memberships FOR SELECT TO %I USING (true)', identity);
                END $$;
                """);

            // Access changes are pushed to every instance (AccessChangeListener): a membership added,
            // changed or removed, or a user's security stamp changed (sign-out, password change,
            // deactivation). Sent by the committing transaction, so heard only when it committed.
            migrationBuilder.Sql("""
                CREATE FUNCTION kanban_notify_access() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_TABLE_NAME = 'users' THEN
                        PERFORM pg_notify('kanban_access', json_build_object('user', NEW.id)::text);
                    ELSIF TG_OP = 'DELETE' THEN
                        PERFORM pg_notify('kanban_access', json_build_object('user', OLD.user_id, 'tenant', OLD.tenant_id)::text);
                    ELSE
                        PERFORM pg_notify('kanban_access', json_build_object('user', NEW.user_id, 'tenant', NEW.tenant_id)::text);
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER tenant_memberships_access AFTER INSERT OR UPDATE OR DELETE ON tenant_memberships
                    FOR EACH ROW EXECUTE FUNCTION kanban_notify_access();
                CREATE TRIGGER users_security_stamp AFTER UPDATE OF security_stamp ON users
                    FOR EACH ROW WHEN (OLD.security_stamp IS DISTINCT FROM NEW.security_stamp) EXECUTE FUNCTION kanban_notify_access();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER users_security_stamp ON users;
                DROP TRIGGER tenant_memberships_access ON tenant_memberships;
                DROP FUNCTION kanban_notify_access();
                DROP POLICY identity_reads ON tenant_memberships;
                DROP POLICY tenant_isolation ON tenant_memberships;
                ALTER TABLE tenant_memberships NO FORCE ROW LEVEL SECURITY;
                ALTER TABLE tenant_memberships DISABLE ROW LEVEL SECURITY;
                """);

            migrationBuilder.DropForeignKey(
                name: "kanban_moves_tenant_id_undo_move_id_fkey",
                table: "kanban_moves");

            migrationBuilder.DropForeignKey(
                name: "kanban_stages_tenant_id_board_config_id_fkey",
                table: "kanban_stages");

            migrationBuilder.DropPrimaryKey(
                name: "kanban_stages_pkey",
                table: "kanban_stages");

            migrationBuilder.DropPrimaryKey(
                name: "kanban_moves_pkey",
                table: "kanban_moves");

            migrationBuilder.DropPrimaryKey(
                name: "kanban_configs_pkey",
                table: "kanban_configs");

            migrationBuilder.DropPrimaryKey(
                name: "cards_pkey",
                table: "cards");

            migrationBuilder.AddPrimaryKey(
                name: "kanban_stages_pkey",
                table: "kanban_stages",
                column: "id");

            migrationBuilder.AddPrimaryKey(
                name: "kanban_moves_pkey",
                table: "kanban_moves",
                column: "id");

            migrationBuilder.AddPrimaryKey(
                name: "kanban_configs_pkey",
                table: "kanban_configs",
                column: "id");

            migrationBuilder.AddPrimaryKey(
                name: "cards_pkey",
                table: "cards",
                column: "id");

            migrationBuilder.AddForeignKey(
                name: "kanban_moves_undo_move_id_fkey",
                table: "kanban_moves",
                column: "undo_move_id",
                principalTable: "kanban_moves",
                principalColumn: "id");

            migrationBuilder.AddForeignKey(
                name: "kanban_stages_board_config_id_fkey",
                table: "kanban_stages",
                column: "board_config_id",
                principalTable: "kanban_configs",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class ApiLocksSnapshots : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "kanban_moves_kind_check",
                table: "kanban_moves");

            migrationBuilder.CreateTable(
                name: "kanban_locks",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "text", nullable: false),
                    entity_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    acquired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("kanban_locks_pkey", x => new { x.tenant_id, x.entity_type, x.entity_id });
                    table.ForeignKey(
                        name: "kanban_locks_tenant_id_entity_id_fkey",
                        columns: x => new { x.tenant_id, x.entity_id },
                        principalTable: "cards",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "kanban_locks_tenant_id_fkey",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "kanban_locks_user_id_fkey",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "kanban_snapshots",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "text", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "jsonb", nullable: false),
                    events_since_previous = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("kanban_snapshots_pkey", x => new { x.tenant_id, x.id });
                    table.CheckConstraint("kanban_snapshots_reason_check", "reason IN ('baseline', 'scheduled', 'manual')");
                    table.ForeignKey(
                        name: "kanban_snapshots_tenant_id_fkey",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id");
                });

            migrationBuilder.AddCheckConstraint(
                name: "kanban_moves_kind_check",
                table: "kanban_moves",
                sql: "kind IN ('move', 'undo', 'redo', 'repair')");

            migrationBuilder.CreateIndex(
                name: "ix_kanban_snapshots_board_sequence",
                table: "kanban_snapshots",
                columns: new[] { "tenant_id", "entity_type", "sequence" },
                unique: true);

            // Both new tables belong to one tenant each: FORCEd row-level security as on every board
            // table, read and written by the board role (kanban.app_role) only.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    board text := current_setting('kanban.app_role', true);
                    t text;
                BEGIN
                    IF coalesce(board, '') = '' THEN
                        RAISE EXCEPTION 'Set kanban.app_role to the role the app connects as before migrating (the app does this itself).';
                    END IF;
                    FOREACH t IN ARRAY ARRAY['kanban_locks', 'kanban_snapshots'] LOOP
                        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
                        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
                        EXECUTE format(
                            'CREATE POLICY tenant_isolation ON %I
                               USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
                               WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
                        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t, board);
                    END LOOP;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "kanban_locks");

            migrationBuilder.DropTable(
                name: "kanban_snapshots");

            migrationBuilder.DropCheckConstraint(
                name: "kanban_moves_kind_check",
                table: "kanban_moves");

            migrationBuilder.AddCheckConstraint(
                name: "kanban_moves_kind_check",
                table: "kanban_moves",
                sql: "kind IN ('move', 'undo', 'redo')");
        }
    }
}

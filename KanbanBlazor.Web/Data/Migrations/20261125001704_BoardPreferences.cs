using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class BoardPreferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "board_preferences",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    collapsed_stages = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("board_preferences_pkey", x => new { x.tenant_id, x.user_id, x.entity_type });
                });

            migrationBuilder.AddForeignKey(
                name: "board_preferences_tenant_id_fkey", table: "board_preferences", column: "tenant_id",
                principalTable: "tenants", principalColumn: "id", onDelete: ReferentialAction.Cascade);
            migrationBuilder.AddForeignKey(
                name: "board_preferences_user_id_fkey", table: "board_preferences", column: "user_id",
                principalTable: "users", principalColumn: "id", onDelete: ReferentialAction.Cascade);

            // A tenant's rows, like every board table: row-level security, and the serving role reads and writes them.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    board text := current_setting('kanban.app_role', true);
                BEGIN
                    IF coalesce(board, '') = '' THEN
                        RAISE EXCEPTION 'Set kanban.app_role to the role the app connects as before migrating (the app does this itself).';
                    END IF;
                    ALTER TABLE board_preferences ENABLE ROW LEVEL SECURITY;
                    ALTER TABLE board_preferences FORCE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON board_preferences
                        USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
                        WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
                    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON board_preferences TO %I', board);
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "board_preferences");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class WipBlocks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "kanban_wip_blocks",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    entity_type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    stage = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("kanban_wip_blocks_pkey", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_kanban_wip_blocks_at",
                table: "kanban_wip_blocks",
                columns: new[] { "tenant_id", "entity_type", "at" });

            migrationBuilder.AddForeignKey(
                name: "kanban_wip_blocks_tenant_id_fkey", table: "kanban_wip_blocks", column: "tenant_id",
                principalTable: "tenants", principalColumn: "id", onDelete: ReferentialAction.Cascade);
            // A tenant's rows, like every board table: row-level security; the serving role adds and reads them.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    board text := current_setting('kanban.app_role', true);
                BEGIN
                    IF coalesce(board, '') = '' THEN
                        RAISE EXCEPTION 'Set kanban.app_role to the role the app connects as before migrating (the app does this itself).';
                    END IF;
                    ALTER TABLE kanban_wip_blocks ENABLE ROW LEVEL SECURITY;
                    ALTER TABLE kanban_wip_blocks FORCE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON kanban_wip_blocks
                        USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
                        WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
                    EXECUTE format('GRANT SELECT, INSERT ON kanban_wip_blocks TO %I', board);
                    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', pg_get_serial_sequence('kanban_wip_blocks', 'id'), board);
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "kanban_wip_blocks");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class FlowMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "kanban_flow",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    card_id = table.Column<Guid>(type: "uuid", nullable: false),
                    seq = table.Column<int>(type: "integer", nullable: false),
                    stage = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    left_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    first_entry = table.Column<bool>(type: "boolean", nullable: false),
                    card_created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    next_action_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("kanban_flow_pkey", x => new { x.tenant_id, x.entity_type, x.card_id, x.seq });
                });

            migrationBuilder.CreateTable(
                name: "kanban_metric_progress",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("kanban_metric_progress_pkey", x => new { x.tenant_id, x.entity_type });
                });

            migrationBuilder.CreateTable(
                name: "kanban_metrics",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    stage = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    period = table.Column<string>(type: "character varying(5)", maxLength: 5, nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    entered = table.Column<int>(type: "integer", nullable: false),
                    exited = table.Column<int>(type: "integer", nullable: false),
                    done = table.Column<int>(type: "integer", nullable: false),
                    stay_ms = table.Column<long>(type: "bigint", nullable: false),
                    lead_ms = table.Column<long>(type: "bigint", nullable: false),
                    wip_warnings = table.Column<int>(type: "integer", nullable: false),
                    wip_overrides = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("kanban_metrics_pkey", x => new { x.tenant_id, x.entity_type, x.period, x.period_start, x.stage, x.owner_id });
                    table.CheckConstraint("kanban_metrics_period_check", "period IN ('hour', 'day', 'week')");
                });

            migrationBuilder.CreateIndex(
                name: "ix_kanban_flow_current",
                table: "kanban_flow",
                columns: new[] { "tenant_id", "entity_type", "stage", "entered_at" },
                filter: "left_at IS NULL")
                .Annotation("Npgsql:IndexInclude", new[] { "card_id", "owner_id", "next_action_at", "card_created_at", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_kanban_flow_first_entry",
                table: "kanban_flow",
                columns: new[] { "tenant_id", "entity_type", "card_created_at" },
                filter: "first_entry")
                .Annotation("Npgsql:IndexInclude", new[] { "stage", "seq", "owner_id" });

            migrationBuilder.CreateIndex(
                name: "ix_kanban_flow_left",
                table: "kanban_flow",
                columns: new[] { "tenant_id", "entity_type", "left_at" })
                .Annotation("Npgsql:IndexInclude", new[] { "stage", "entered_at", "owner_id" });

            // A tenant's rows, like every board table: row-level security, and the serving role reads and
            // writes them (the metrics projector runs as the serving role, within the tenant).
            foreach (var table in new[] { "kanban_flow", "kanban_metrics", "kanban_metric_progress" })
                migrationBuilder.AddForeignKey(
                    name: $"{table}_tenant_id_fkey", table: table, column: "tenant_id",
                    principalTable: "tenants", principalColumn: "id", onDelete: ReferentialAction.Cascade);
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    board text := current_setting('kanban.app_role', true);
                    t text;
                BEGIN
                    IF coalesce(board, '') = '' THEN
                        RAISE EXCEPTION 'Set kanban.app_role to the role the app connects as before migrating (the app does this itself).';
                    END IF;
                    FOREACH t IN ARRAY ARRAY['kanban_flow', 'kanban_metrics', 'kanban_metric_progress'] LOOP
                        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
                        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
                        EXECUTE format('CREATE POLICY tenant_isolation ON %I
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
                name: "kanban_flow");

            migrationBuilder.DropTable(
                name: "kanban_metric_progress");

            migrationBuilder.DropTable(
                name: "kanban_metrics");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class StageEnteredAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "stage_entered_at",
                table: "cards",
                type: "timestamp with time zone",
                nullable: true);

            // Cards already on boards came into their stage with their last logged move there (or were
            // created in it). Row-level security is lifted for the schema owner for this one update.
            migrationBuilder.Sql("""
                ALTER TABLE cards NO FORCE ROW LEVEL SECURITY;
                ALTER TABLE kanban_moves NO FORCE ROW LEVEL SECURITY;
                UPDATE cards c SET stage_entered_at = coalesce(
                    (SELECT max(m.created_at) FROM kanban_moves m
                     WHERE m.tenant_id = c.tenant_id AND m.entity_id = c.id AND m.to_stage = c.stage
                       AND m.event_type IN ('CardMoved', 'CardCreated') AND m.from_stage IS DISTINCT FROM m.to_stage),
                    c.created_at);
                ALTER TABLE kanban_moves FORCE ROW LEVEL SECURITY;
                ALTER TABLE cards FORCE ROW LEVEL SECURITY;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "stage_entered_at",
                table: "cards");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class BoardRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "requires_reason",
                table: "kanban_stages",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "event_type",
                table: "kanban_moves",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "CardMoved");

            migrationBuilder.AddColumn<string>(
                name: "from_position",
                table: "kanban_moves",
                type: "text",
                nullable: true,
                collation: "C");

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "kanban_moves",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "move");

            migrationBuilder.AddColumn<string>(
                name: "allowed_transitions",
                table: "kanban_configs",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "work_started_stage",
                table: "kanban_configs",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_kanban_moves_user_sequence",
                table: "kanban_moves",
                columns: new[] { "tenant_id", "entity_type", "user_id", "sequence" },
                descending: new[] { false, false, false, true });

            migrationBuilder.AddCheckConstraint(
                name: "kanban_moves_event_type_check",
                table: "kanban_moves",
                sql: "event_type IN ('CardMoved', 'CardCreated', 'CardUpdated', 'CardDeleted', 'BoardConfigured', 'WipWarning')");

            migrationBuilder.AddCheckConstraint(
                name: "kanban_moves_kind_check",
                table: "kanban_moves",
                sql: "kind IN ('move', 'undo', 'redo')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_kanban_moves_user_sequence",
                table: "kanban_moves");

            migrationBuilder.DropCheckConstraint(
                name: "kanban_moves_event_type_check",
                table: "kanban_moves");

            migrationBuilder.DropCheckConstraint(
                name: "kanban_moves_kind_check",
                table: "kanban_moves");

            migrationBuilder.DropColumn(
                name: "requires_reason",
                table: "kanban_stages");

            migrationBuilder.DropColumn(
                name: "event_type",
                table: "kanban_moves");

            migrationBuilder.DropColumn(
                name: "from_position",
                table: "kanban_moves");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "kanban_moves");

            migrationBuilder.DropColumn(
                name: "allowed_transitions",
                table: "kanban_configs");

            migrationBuilder.DropColumn(
                name: "work_started_stage",
                table: "kanban_configs");
        }
    }
}

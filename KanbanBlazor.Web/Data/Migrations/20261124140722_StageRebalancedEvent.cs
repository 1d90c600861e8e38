using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class StageRebalancedEvent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "kanban_moves_event_type_check",
                table: "kanban_moves");

            migrationBuilder.AddCheckConstraint(
                name: "kanban_moves_event_type_check",
                table: "kanban_moves",
                sql: "event_type IN ('CardMoved', 'CardCreated', 'CardUpdated', 'CardDeleted', 'BoardConfigured', 'WipWarning', 'StageRebalanced')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "kanban_moves_event_type_check",
                table: "kanban_moves");

            migrationBuilder.AddCheckConstraint(
                name: "kanban_moves_event_type_check",
                table: "kanban_moves",
                sql: "event_type IN ('CardMoved', 'CardCreated', 'CardUpdated', 'CardDeleted', 'BoardConfigured', 'WipWarning')");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class PartialUndoLinkIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_kanban_moves_undo_move_id",
                table: "kanban_moves");

            migrationBuilder.CreateIndex(
                name: "ix_kanban_moves_undo_move_id",
                table: "kanban_moves",
                columns: new[] { "tenant_id", "undo_move_id" },
                filter: "undo_move_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_kanban_moves_undo_move_id",
                table: "kanban_moves");

            migrationBuilder.CreateIndex(
                name: "ix_kanban_moves_undo_move_id",
                table: "kanban_moves",
                column: "undo_move_id");
        }
    }
}

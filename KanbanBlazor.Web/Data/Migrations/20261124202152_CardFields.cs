using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class CardFields : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "next_action_details",
                table: "cards",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "company",
                table: "cards",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "assignee_id",
                table: "cards",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "description",
                table: "cards",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "due_on",
                table: "cards",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "email",
                table: "cards",
                type: "character varying(254)",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "expected_close_on",
                table: "cards",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "health",
                table: "cards",
                type: "character varying(10)",
                maxLength: 10,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "phone",
                table: "cards",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "plan",
                table: "cards",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "probability",
                table: "cards",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "score",
                table: "cards",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source",
                table: "cards",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "cards_health_check",
                table: "cards",
                sql: "health IN ('Good', 'Fair', 'Poor')");

            migrationBuilder.AddCheckConstraint(
                name: "cards_probability_check",
                table: "cards",
                sql: "probability BETWEEN 0 AND 100");

            migrationBuilder.AddCheckConstraint(
                name: "cards_score_check",
                table: "cards",
                sql: "score BETWEEN 0 AND 100");

            migrationBuilder.AddCheckConstraint(
                name: "cards_value_check",
                table: "cards",
                sql: "value >= 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "cards_health_check",
                table: "cards");

            migrationBuilder.DropCheckConstraint(
                name: "cards_probability_check",
                table: "cards");

            migrationBuilder.DropCheckConstraint(
                name: "cards_score_check",
                table: "cards");

            migrationBuilder.DropCheckConstraint(
                name: "cards_value_check",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "assignee_id",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "description",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "due_on",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "email",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "expected_close_on",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "health",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "phone",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "plan",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "probability",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "score",
                table: "cards");

            migrationBuilder.DropColumn(
                name: "source",
                table: "cards");

            migrationBuilder.AlterColumn<string>(
                name: "next_action_details",
                table: "cards",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(500)",
                oldMaxLength: 500,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "company",
                table: "cards",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(200)",
                oldMaxLength: 200,
                oldNullable: true);
        }
    }
}

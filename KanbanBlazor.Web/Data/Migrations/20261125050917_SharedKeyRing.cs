using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class SharedKeyRing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "text", nullable: true),
                    xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("data_protection_keys_pkey", x => x.id);
                });
            // Read and added by the identity role (it signs people in); the board role never sees the keys.
            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    identity text := current_setting('kanban.identity_role', true);
                BEGIN
                    IF coalesce(identity, '') = '' THEN
                        RAISE EXCEPTION 'Set kanban.identity_role to the role the app signs people in as before migrating (the app does this itself).';
                    END IF;
                    EXECUTE format('GRANT SELECT, INSERT ON data_protection_keys TO %I', identity);
                    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', pg_get_serial_sequence('data_protection_keys', 'id'), identity);
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "data_protection_keys");
        }
    }
}

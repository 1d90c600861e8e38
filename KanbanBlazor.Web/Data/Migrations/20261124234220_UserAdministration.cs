using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace KanbanBlazor.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class UserAdministration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "deactivated_at",
                table: "tenant_memberships",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "tenant_audit",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    actor_id = table.Column<Guid>(type: "uuid", nullable: true),
                    action = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    subject_id = table.Column<Guid>(type: "uuid", nullable: true),
                    details = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("tenant_audit_pkey", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.AddForeignKey(
                name: "tenant_audit_tenant_id_fkey",
                table: "tenant_audit",
                column: "tenant_id",
                principalTable: "tenants",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            // The tenant's people are changed only through these functions (owned by the schema owner,
            // run with its rights), never by the serving roles' own writes: each checks, under a lock on
            // the tenant's Admins, that the actor is an active Admin of the tenant the connection is set
            // to, that a change leaves the tenant an active Admin, and writes the audit row in the same
            // transaction. The membership triggers (LeastPrivilege) tell every instance as it commits.
            migrationBuilder.Sql("""
                ALTER TABLE tenant_audit ENABLE ROW LEVEL SECURITY;
                ALTER TABLE tenant_audit FORCE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON tenant_audit
                    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
                    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

                -- Only the functions below (run as the schema owner) turn this on, for one question.
                CREATE POLICY people_elsewhere ON tenant_memberships FOR SELECT TO CURRENT_USER
                    USING (current_setting('kanban.people_elsewhere', true) = 'on');

                CREATE FUNCTION kanban_admin_tenant(p_actor uuid) RETURNS uuid
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                DECLARE
                    t uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
                BEGIN
                    IF t IS NULL THEN
                        RAISE EXCEPTION 'No tenant is set for this connection.' USING ERRCODE = 'KB403';
                    END IF;
                    -- One change to the tenant's people at a time: every Admin row is locked first.
                    PERFORM 1 FROM tenant_memberships WHERE tenant_id = t AND role = 'Admin' AND deactivated_at IS NULL ORDER BY user_id FOR UPDATE;
                    IF NOT EXISTS (SELECT 1 FROM tenant_memberships WHERE tenant_id = t AND user_id = p_actor AND role = 'Admin' AND deactivated_at IS NULL) THEN
                        RAISE EXCEPTION 'Only an active Admin of this tenant may change its people.' USING ERRCODE = 'KB403';
                    END IF;
                    RETURN t;
                END $$;

                CREATE FUNCTION kanban_keep_an_admin(t uuid, p_user uuid) RETURNS void
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM tenant_memberships WHERE tenant_id = t AND user_id = p_user AND role = 'Admin' AND deactivated_at IS NULL)
                       AND NOT EXISTS (SELECT 1 FROM tenant_memberships WHERE tenant_id = t AND role = 'Admin' AND deactivated_at IS NULL AND user_id <> p_user) THEN
                        RAISE EXCEPTION 'The tenant would be left without an active Admin.' USING ERRCODE = 'KB409';
                    END IF;
                END $$;

                CREATE FUNCTION kanban_invite_member(p_actor uuid, p_new_id uuid, p_email text, p_normalized_email text, p_display_name text,
                                                     p_role text, p_password_hash text, p_security_stamp text)
                RETURNS TABLE (member_id uuid, created boolean)
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                DECLARE
                    t uuid := kanban_admin_tenant(p_actor);
                    existing uuid;
                BEGIN
                    SELECT id INTO existing FROM users WHERE normalized_email = p_normalized_email;
                    IF existing IS NULL THEN
                        INSERT INTO users (id, display_name, user_name, normalized_user_name, email, normalized_email, email_confirmed, password_hash,
                                           security_stamp, concurrency_stamp, phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count)
                        VALUES (p_new_id, p_display_name, p_email, p_normalized_email, p_email, p_normalized_email, true, p_password_hash,
                                p_security_stamp, gen_random_uuid()::text, false, false, true, 0);
                        existing := p_new_id;
                        created := true;
                    ELSIF EXISTS (SELECT 1 FROM tenant_memberships WHERE tenant_id = t AND user_id = existing) THEN
                        RAISE EXCEPTION 'This person is already a member.' USING ERRCODE = 'KB410';
                    ELSE
                        created := false;
                    END IF;
                    INSERT INTO tenant_memberships (tenant_id, user_id, role, display_name) VALUES (t, existing, p_role, p_display_name);
                    INSERT INTO tenant_audit (tenant_id, actor_id, action, subject_id, details)
                    VALUES (t, p_actor, 'member_invited', existing, jsonb_build_object('email', p_email, 'name', p_display_name, 'role', p_role, 'new_account', created));
                    member_id := existing;
                    RETURN NEXT;
                END $$;

                CREATE FUNCTION kanban_set_member_role(p_actor uuid, p_user uuid, p_role text) RETURNS boolean
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                DECLARE
                    t uuid := kanban_admin_tenant(p_actor);
                    was text;
                BEGIN
                    SELECT role INTO was FROM tenant_memberships WHERE tenant_id = t AND user_id = p_user FOR UPDATE;
                    IF was IS NULL THEN
                        RAISE EXCEPTION 'This person is not a member.' USING ERRCODE = 'KB404';
                    END IF;
                    IF was = p_role THEN
                        RETURN false;
                    END IF;
                    IF was = 'Admin' THEN
                        PERFORM kanban_keep_an_admin(t, p_user);
                    END IF;
                    UPDATE tenant_memberships SET role = p_role WHERE tenant_id = t AND user_id = p_user;
                    INSERT INTO tenant_audit (tenant_id, actor_id, action, subject_id, details)
                    VALUES (t, p_actor, 'role_changed', p_user, jsonb_build_object('from', was, 'to', p_role));
                    RETURN true;
                END $$;

                CREATE FUNCTION kanban_set_member_active(p_actor uuid, p_user uuid, p_active boolean) RETURNS boolean
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                DECLARE
                    t uuid := kanban_admin_tenant(p_actor);
                    was timestamptz;
                    found_member boolean;
                BEGIN
                    SELECT true, deactivated_at INTO found_member, was FROM tenant_memberships WHERE tenant_id = t AND user_id = p_user FOR UPDATE;
                    IF found_member IS NULL THEN
                        RAISE EXCEPTION 'This person is not a member.' USING ERRCODE = 'KB404';
                    END IF;
                    IF (was IS NULL) = p_active THEN
                        RETURN false;
                    END IF;
                    IF NOT p_active THEN
                        PERFORM kanban_keep_an_admin(t, p_user);
                        UPDATE tenant_memberships SET deactivated_at = now() WHERE tenant_id = t AND user_id = p_user;
                        -- Nowhere else to work: the account is locked and every session of it ends. Whether they
                        -- work elsewhere is the one question asked across tenants (policy people_elsewhere).
                        PERFORM set_config('kanban.people_elsewhere', 'on', true);
                        found_member := EXISTS (SELECT 1 FROM tenant_memberships WHERE user_id = p_user AND deactivated_at IS NULL AND tenant_id <> t);
                        PERFORM set_config('kanban.people_elsewhere', 'off', true);
                        IF NOT found_member THEN
                            UPDATE users SET lockout_end = '9999-12-31 00:00:00+00', security_stamp = replace(gen_random_uuid()::text, '-', '') WHERE id = p_user;
                        END IF;
                    ELSE
                        UPDATE tenant_memberships SET deactivated_at = NULL WHERE tenant_id = t AND user_id = p_user;
                        UPDATE users SET lockout_end = NULL WHERE id = p_user AND lockout_end >= '9999-01-01 00:00:00+00';
                    END IF;
                    INSERT INTO tenant_audit (tenant_id, actor_id, action, subject_id, details)
                    VALUES (t, p_actor, CASE WHEN p_active THEN 'member_reactivated' ELSE 'member_deactivated' END, p_user, '{}'::jsonb);
                    RETURN true;
                END $$;

                REVOKE ALL ON FUNCTION kanban_admin_tenant(uuid), kanban_keep_an_admin(uuid, uuid),
                    kanban_invite_member(uuid, uuid, text, text, text, text, text, text), kanban_set_member_role(uuid, uuid, text),
                    kanban_set_member_active(uuid, uuid, boolean) FROM PUBLIC;
                DO $$
                DECLARE
                    board text := current_setting('kanban.app_role', true);
                BEGIN
                    IF coalesce(board, '') = '' THEN
                        RAISE EXCEPTION 'Set kanban.app_role to the role the app connects as before migrating (the app does this itself).';
                    END IF;
                    EXECUTE format('GRANT SELECT ON tenant_audit TO %I', board);
                    EXECUTE format('GRANT EXECUTE ON FUNCTION kanban_invite_member(uuid, uuid, text, text, text, text, text, text), '
                        'kanban_set_member_role(uuid, uuid, text), kanban_set_member_active(uuid, uuid, boolean) TO %I', board);
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION kanban_set_member_active(uuid, uuid, boolean);
                DROP FUNCTION kanban_set_member_role(uuid, uuid, text);
                DROP FUNCTION kanban_invite_member(uuid, uuid, text, text, text, text, text, text);
                DROP FUNCTION kanban_keep_an_admin(uuid, uuid);
                DROP FUNCTION kanban_admin_tenant(uuid);
                DROP POLICY people_elsewhere ON tenant_memberships;
                """);

            migrationBuilder.DropTable(
                name: "tenant_audit");

            migrationBuilder.DropColumn(
                name: "deactivated_at",
                table: "tenant_memberships");
        }
    }
}

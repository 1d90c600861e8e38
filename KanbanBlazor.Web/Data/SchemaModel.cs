using KanbanBlazor.Core.Cards;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// The tables, columns, keys, constraints and indexes of the schema, shared by both contexts:
/// <see cref="AccountsDbContext"/> owns the schema and its migrations (it maps every table);
/// <see cref="KanbanDbContext"/> maps the tenancy and board tables again to query them and excludes
/// them from migrations. Constraint and index names are the ones PostgreSQL gave the schema before
/// it had EF migrations ("cards_pkey", "cards_owner_id_fkey", "tenants_slug_key"), so that a database
/// from those days and a new one are the same, and later migrations can address either by name.
/// </summary>
internal static class SchemaModel
{
    public static void Memberships(ModelBuilder builder)
    {
        builder.Entity<TenantMembership>(membership =>
        {
            membership.ToTable("tenant_memberships", t => t.HasCheckConstraint("tenant_memberships_role_check", "role IN ('Admin', 'Manager', 'SalesRep', 'Viewer')"));
            membership.HasKey(m => new { m.TenantId, m.UserId });
            membership.HasIndex(m => m.UserId).HasDatabaseName("ix_tenant_memberships_user_id");
            membership.Property(m => m.CreatedAt).HasDefaultValueSql("now()");
        });
        builder.Entity<BoardPreference>(preference =>
        {
            preference.ToTable("board_preferences");
            preference.HasKey(p => new { p.TenantId, p.UserId, p.EntityType });
            preference.Property(p => p.EntityType).HasMaxLength(40);
            preference.Property(p => p.CollapsedStages).HasMaxLength(2000);
        });
        builder.Entity<FlowStay>(stay =>
        {
            stay.ToTable("kanban_flow");
            stay.HasKey(s => new { s.TenantId, s.EntityType, s.CardId, s.Seq });
            stay.Property(s => s.EntityType).HasMaxLength(40);
            stay.Property(s => s.Stage).HasMaxLength(40);
            // Each index carries what its query reads (INCLUDE), so that the dashboard's reads are index-only scans.
            // A period's finished stays (time in stage, bottleneck).
            stay.HasIndex(s => new { s.TenantId, s.EntityType, s.LeftAt }).HasDatabaseName("ix_kanban_flow_left")
                .IncludeProperties(s => new { s.Stage, s.EnteredAt, s.OwnerId });
            // Where every card is now, by stage and since when: aging work, cards done in a period.
            stay.HasIndex(s => new { s.TenantId, s.EntityType, s.Stage, s.EnteredAt }).HasDatabaseName("ix_kanban_flow_current").HasFilter("left_at IS NULL")
                .IncludeProperties(s => new { s.CardId, s.OwnerId, s.NextActionAt, s.CardCreatedAt, s.StartedAt });
            // Each card's first stay in each stage, by when the card was created: the funnel of a period's new cards.
            stay.HasIndex(s => new { s.TenantId, s.EntityType, s.CardCreatedAt }).HasDatabaseName("ix_kanban_flow_first_entry").HasFilter("first_entry")
                .IncludeProperties(s => new { s.Stage, s.Seq, s.OwnerId });
        });
        builder.Entity<MetricRow>(row =>
        {
            row.ToTable("kanban_metrics", t => t.HasCheckConstraint("kanban_metrics_period_check", "period IN ('hour', 'day', 'week')"));
            row.HasKey(r => new { r.TenantId, r.EntityType, r.Period, r.PeriodStart, r.Stage, r.OwnerId });
            row.Property(r => r.EntityType).HasMaxLength(40);
            row.Property(r => r.Stage).HasMaxLength(40);
            row.Property(r => r.Period).HasMaxLength(5);
        });
        builder.Entity<WipBlock>(block =>
        {
            block.ToTable("kanban_wip_blocks");
            block.HasKey(b => new { b.TenantId, b.Id });
            block.Property(b => b.Id).UseIdentityAlwaysColumn();
            block.Property(b => b.EntityType).HasMaxLength(40);
            block.Property(b => b.Stage).HasMaxLength(40);
            // A period's blocks on a board (the metrics' WIP table).
            block.HasIndex(b => new { b.TenantId, b.EntityType, b.At }).HasDatabaseName("ix_kanban_wip_blocks_at");
        });
        builder.Entity<MetricProgress>(progress =>
        {
            progress.ToTable("kanban_metric_progress");
            progress.HasKey(p => new { p.TenantId, p.EntityType });
            progress.Property(p => p.EntityType).HasMaxLength(40);
        });
        builder.Entity<AuditEntry>(audit =>
        {
            audit.ToTable("tenant_audit");
            audit.HasKey(a => new { a.TenantId, a.Id });
            audit.Property(a => a.Id).UseIdentityAlwaysColumn();
            audit.Property(a => a.At).HasDefaultValueSql("now()");
            audit.Property(a => a.Action).HasMaxLength(40);
            audit.Property(a => a.Details).HasColumnType("jsonb");
        });
    }

    public static void Boards(ModelBuilder builder)
    {
        builder.Entity<BoardConfig>(config =>
        {
            config.ToTable("kanban_configs", t => t.HasCheckConstraint("kanban_configs_entity_type_check", "entity_type IN ('lead', 'opportunity', 'task', 'customer')"));
            // Tenant-owned rows are keyed by tenant and id, and references between them carry the tenant:
            // a row can only point at a row of its own tenant, and another tenant's id (as a reference
            // or as a new row's id) fails exactly like an id that does not exist, so nothing leaks.
            config.HasKey(c => new { c.TenantId, c.Id });
            config.HasAlternateKey(c => new { c.TenantId, c.EntityType });
            config.HasMany(c => c.Stages).WithOne().HasForeignKey(s => new { s.TenantId, s.BoardConfigId });
            config.Property(c => c.Version).HasDefaultValueSql("1");
            config.Property(c => c.Sequence).HasDefaultValueSql("0");
            config.Property(c => c.UpdatedAt).HasDefaultValueSql("now()");
            config.Property(c => c.AllowedTransitions).HasColumnType("jsonb");
            config.Property(c => c.WorkStartedStage).HasMaxLength(40);
        });
        builder.Entity<Stage>(stage =>
        {
            stage.ToTable("kanban_stages", t =>
            {
                t.HasCheckConstraint("kanban_stages_key_check", "key ~ '^[a-z][a-z0-9_]{0,39}$'");
                t.HasCheckConstraint("kanban_stages_outcome_check", "outcome IN ('Open', 'Won', 'Lost')");
                t.HasCheckConstraint("kanban_stages_wip_soft_limit_check", "wip_soft_limit > 0");
                t.HasCheckConstraint("kanban_stages_wip_hard_limit_check", "wip_hard_limit > 0");
            });
            stage.HasKey(s => new { s.TenantId, s.Id });
            stage.Property(s => s.RequiresReason).HasDefaultValue(false);
            stage.HasAlternateKey(s => new { s.BoardConfigId, s.Key });
            stage.HasIndex(s => s.TenantId).HasDatabaseName("ix_kanban_stages_tenant_id");
        });
        builder.Entity<Card>(card =>
        {
            card.ToTable("cards", t => t.HasCheckConstraint("cards_title_check", "length(title) BETWEEN 1 AND 200"));
            card.HasKey(c => new { c.TenantId, c.Id });
            card.Property(c => c.Value).HasPrecision(14, 2).HasDefaultValueSql("0");
            card.Property(c => c.Currency).HasMaxLength(3).IsFixedLength().HasDefaultValueSql("'USD'");
            // Ordering keys compare byte-wise, whatever the database's collation.
            card.Property(c => c.Position).UseCollation("C");
            card.Property(c => c.Version).IsConcurrencyToken().HasDefaultValueSql("1");
            card.Property(c => c.Company).HasMaxLength(CardFields.CompanyLength);
            card.Property(c => c.Email).HasMaxLength(CardFields.EmailLength);
            card.Property(c => c.Phone).HasMaxLength(CardFields.PhoneLength);
            card.Property(c => c.Source).HasMaxLength(CardFields.SourceLength);
            card.Property(c => c.Description).HasMaxLength(CardFields.DescriptionLength);
            card.Property(c => c.Plan).HasMaxLength(CardFields.PlanLength);
            card.Property(c => c.NextActionDetails).HasMaxLength(CardFields.NextActionLength);
            card.Property(c => c.Health).HasConversion<string>().HasMaxLength(10);
            card.ToTable(t =>
            {
                t.HasCheckConstraint("cards_score_check", "score BETWEEN 0 AND 100");
                t.HasCheckConstraint("cards_probability_check", "probability BETWEEN 0 AND 100");
                t.HasCheckConstraint("cards_value_check", "value >= 0");
                t.HasCheckConstraint("cards_health_check", "health IN ('Good', 'Fair', 'Poor')");
            });
            card.Property(c => c.CreatedAt).HasDefaultValueSql("now()");
            card.Property(c => c.UpdatedAt).HasDefaultValueSql("now()");
            // A stage's cards in board order: loading a board, keyset pages, neighbours of a drop, WIP counts.
            card.HasIndex(c => new { c.TenantId, c.EntityType, c.Stage, c.Position }).HasDatabaseName("ix_cards_board_order");
            // "This tenant's cards whose next action is due, oldest first."
            card.HasIndex(c => new { c.TenantId, c.NextActionAt }).HasDatabaseName("ix_cards_next_action_due").HasFilter("next_action_at IS NOT NULL");
            // "Recently active cards first."
            card.HasIndex(c => new { c.TenantId, c.LastActivityAt }).HasDatabaseName("ix_cards_last_activity").IsDescending(false, true);
        });
        builder.Entity<CardMove>(move =>
        {
            move.ToTable("kanban_moves", t => t.HasCheckConstraint("kanban_moves_event_type_check",
                $"event_type IN ({string.Join(", ", BoardEventTypes.All.Select(e => $"'{e}'"))})"));
            move.Property(m => m.EventType).HasMaxLength(20).HasDefaultValue(BoardEventTypes.CardMoved);
            move.Property(m => m.Metadata).HasColumnType("jsonb").HasDefaultValueSql("'{}'::jsonb");
            move.Property(m => m.ToPosition).UseCollation("C");
            move.Property(m => m.FromPosition).UseCollation("C");
            move.ToTable(t => t.HasCheckConstraint("kanban_moves_kind_check", "kind IN ('move', 'undo', 'redo', 'repair')"));
            move.Property(m => m.Kind).HasMaxLength(10).HasDefaultValue(MoveKinds.Move);
            // Undo and redo: "this user's latest moves on this board", newest first.
            move.HasIndex(m => new { m.TenantId, m.EntityType, m.UserId, m.Sequence }).HasDatabaseName("ix_kanban_moves_user_sequence").IsDescending(false, false, false, true);
            move.Property(m => m.CreatedAt).HasDefaultValueSql("now()");
            move.HasKey(m => new { m.TenantId, m.Id });
            move.HasOne<CardMove>().WithMany().HasForeignKey(m => new { m.TenantId, m.UndoMoveId });
            // A card's history, its latest move (stale-move message, undo), and the log filtered by card.
            move.HasIndex(m => new { m.TenantId, m.EntityType, m.EntityId }).HasDatabaseName("ix_kanban_moves_entity");
            // "Board as of" a time and the tenant's audit by date.
            move.HasIndex(m => new { m.TenantId, m.CreatedAt }).HasDatabaseName("ix_kanban_moves_created_at");
            // Following an undo's link to the move it took back. Partial: most events link nothing, and
            // each move would otherwise pay an index entry for its null.
            move.HasIndex(m => new { m.TenantId, m.UndoMoveId }).HasDatabaseName("ix_kanban_moves_undo_move_id").HasFilter("undo_move_id IS NOT NULL");
            // One number per event per board, and every read of the log in order: catch-up after a
            // reconnect, replay from a snapshot, the API's log cursor, the consistency check.
            move.HasIndex(m => new { m.TenantId, m.EntityType, m.Sequence }).HasDatabaseName("ix_kanban_moves_board_sequence").IsUnique();
        });
        builder.Entity<EditLock>(editLock =>
        {
            editLock.ToTable("kanban_locks");
            // One lock per card: taking it is an upsert on this key.
            editLock.HasKey(l => new { l.TenantId, l.EntityType, l.EntityId });
            // A deleted card takes its lock with it.
            editLock.HasOne<Card>().WithMany().HasForeignKey(l => new { l.TenantId, l.EntityId }).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<StoredSnapshot>(snapshot =>
        {
            snapshot.ToTable("kanban_snapshots", t => t.HasCheckConstraint("kanban_snapshots_reason_check", "reason IN ('baseline', 'scheduled', 'manual')"));
            snapshot.HasKey(s => new { s.TenantId, s.Id });
            snapshot.Property(s => s.State).HasColumnType("jsonb");
            snapshot.Property(s => s.CreatedAt).HasDefaultValueSql("now()");
            // "The latest snapshot at or before sequence S" (replay) or before time T (board as of).
            snapshot.HasIndex(s => new { s.TenantId, s.EntityType, s.Sequence }).HasDatabaseName("ix_kanban_snapshots_board_sequence").IsUnique();
        });
    }

    /// <summary>What only the owning context knows: tenants, identity's tables, and the foreign keys
    /// from memberships and board rows to tenants and users.</summary>
    /// <summary>ASP.NET Core's data-protection keys, one XML document each: not a tenant's data.</summary>
    public static void KeyRing(ModelBuilder builder) =>
        builder.Entity<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>(key =>
        {
            key.ToTable("data_protection_keys");
            key.Property(k => k.Id).HasColumnName("id");
            key.Property(k => k.FriendlyName).HasColumnName("friendly_name");
            key.Property(k => k.Xml).HasColumnName("xml");
        });

    public static void IdentityAndReferences(ModelBuilder builder)
    {
        builder.Entity<Tenant>(tenant =>
        {
            tenant.ToTable("tenants", t => t.HasCheckConstraint("tenants_slug_check", "slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'"));
            tenant.HasAlternateKey(t => t.Slug);
            tenant.Property(t => t.CreatedAt).HasDefaultValueSql("now()");
        });
        builder.Entity<AppUser>(user =>
        {
            user.ToTable("users");
            user.Property(u => u.DisplayName).IsRequired();
            user.Property(u => u.PreferredCulture).HasMaxLength(10);
            user.HasIndex(u => u.NormalizedUserName).HasDatabaseName("ix_users_normalized_user_name");
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("ix_users_normalized_email");
        });
        builder.Entity<IdentityUserClaim<Guid>>(claim =>
        {
            claim.ToTable("user_claims");
            claim.HasIndex(c => c.UserId).HasDatabaseName("ix_user_claims_user_id");
        });
        builder.Entity<IdentityUserLogin<Guid>>(login =>
        {
            login.ToTable("user_logins");
            login.HasIndex(l => l.UserId).HasDatabaseName("ix_user_logins_user_id");
        });
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");

        builder.Entity<TenantMembership>(membership =>
        {
            membership.HasOne<Tenant>().WithMany().HasForeignKey(m => m.TenantId);
            membership.HasOne<AppUser>().WithMany().HasForeignKey(m => m.UserId);
        });
        // Tenant-owned rows keep their tenant: deleting a tenant is an explicit job, never a cascade.
        builder.Entity<BoardConfig>().HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.NoAction);
        builder.Entity<Stage>().HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.NoAction);
        builder.Entity<Card>().HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.NoAction);
        builder.Entity<Card>().HasOne<AppUser>().WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.NoAction);
        builder.Entity<CardMove>().HasOne<Tenant>().WithMany().HasForeignKey(m => m.TenantId).OnDelete(DeleteBehavior.NoAction);
        builder.Entity<EditLock>().HasOne<Tenant>().WithMany().HasForeignKey(l => l.TenantId).OnDelete(DeleteBehavior.NoAction);
        builder.Entity<EditLock>().HasOne<AppUser>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Entity<StoredSnapshot>().HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.NoAction);
    }

    /// <summary>snake_case columns, and keys and constraints named as PostgreSQL names them by default.</summary>
    public static void Name(ModelBuilder builder)
    {
        builder.UseSnakeCaseColumns();
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName();
            if (table is null) continue;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            string Columns(IEnumerable<IMutableProperty> properties) => string.Join("_", properties.Select(p => p.GetColumnName(store)));
            entity.FindPrimaryKey()?.SetName($"{table}_pkey");
            foreach (var key in entity.GetDeclaredKeys().Where(k => !k.IsPrimaryKey())) key.SetName($"{table}_{Columns(key.Properties)}_key");
            foreach (var foreignKey in entity.GetDeclaredForeignKeys()) foreignKey.SetConstraintName($"{table}_{Columns(foreignKey.Properties)}_fkey");
        }
    }
}

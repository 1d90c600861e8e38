using Microsoft.AspNetCore.Identity;

namespace KanbanBlazor.Web.Data;

/// <summary>A signed-in person. Users are global; what they may see comes from their tenant memberships.</summary>
public sealed class AppUser : IdentityUser<Guid>
{
    public required string DisplayName { get; set; }
    /// <summary>The UI language the user chose last (en-US, pt-BR), so that it follows them to every
    /// device they sign in on; null until they choose one.</summary>
    public string? PreferredCulture { get; set; }
}

public sealed class Tenant
{
    public Guid Id { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A user's place in a tenant, with the role they hold there.</summary>
public sealed class TenantMembership : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public required string Role { get; set; }
    /// <summary>The name colleagues see on cards and in the move log.</summary>
    public required string DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Set when an Admin deactivated the member: they keep their name on cards and in the
    /// history, and have no access to the tenant until reactivated.</summary>
    public DateTimeOffset? DeactivatedAt { get; set; }
}

/// <summary>How one user keeps one board, on every device they use: the stages they collapsed (keys,
/// comma-separated).</summary>
public sealed class BoardPreference : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid UserId { get; set; }
    public required string EntityType { get; set; }
    public required string CollapsedStages { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One stay of a card in a stage, as the flow metrics count it (table kanban_flow): the card's
/// timeline with undone moves taken out, kept by the metrics projector (Features/Metrics) so that the
/// dashboard reads a period's stays without going through the log. <see cref="LeftAt"/> null: the card
/// is still there. <see cref="OwnerId"/> is the card's owner now (<see cref="Guid.Empty"/>: none).</summary>
public sealed class FlowStay : ITenantOwned
{
    public Guid TenantId { get; set; }
    public required string EntityType { get; set; }
    public Guid CardId { get; set; }
    public int Seq { get; set; }
    public required string Stage { get; set; }
    public Guid OwnerId { get; set; }
    public DateTimeOffset EnteredAt { get; set; }
    public DateTimeOffset? LeftAt { get; set; }
    /// <summary>This is the card's first stay in <see cref="Stage"/> (the conversion funnel counts it).</summary>
    public bool FirstEntry { get; set; }
    /// <summary>When the card entered the board (its first stay): lead time, the funnel of a period's new cards.</summary>
    public DateTimeOffset CardCreatedAt { get; set; }
    /// <summary>When the card first entered the board's work-started stage, if it has: cycle time.</summary>
    public DateTimeOffset? StartedAt { get; set; }
    /// <summary>The card's next action now (aging work: missing or overdue puts a card at risk).</summary>
    public DateTimeOffset? NextActionAt { get; set; }
}

/// <summary>Flow counters per board, stage, owner and period (table kanban_metrics): see
/// <see cref="KanbanBlazor.Core.Metrics.FlowCounts"/>. WIP warnings and overrides are counted per stage
/// with no owner.</summary>
public sealed class MetricRow : ITenantOwned
{
    public Guid TenantId { get; set; }
    public required string EntityType { get; set; }
    public required string Stage { get; set; }
    public Guid OwnerId { get; set; }
    /// <summary>hour, day or week (<see cref="KanbanBlazor.Core.Metrics.MetricPeriods.Name"/>).</summary>
    public required string Period { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public int Entered { get; set; }
    public int Exited { get; set; }
    public int Done { get; set; }
    public long StayMs { get; set; }
    public long LeadMs { get; set; }
    public int WipWarnings { get; set; }
    public int WipOverrides { get; set; }
}

/// <summary>A move refused because its stage was at its hard WIP limit (table kanban_wip_blocks): a
/// refusal changes nothing on the board and is not in its log, so it is kept here for the metrics.</summary>
public sealed class WipBlock : ITenantOwned
{
    public Guid TenantId { get; set; }
    public long Id { get; set; }
    public required string EntityType { get; set; }
    public required string Stage { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>How far the metrics projector has read a board's log (table kanban_metric_progress).</summary>
public sealed class MetricProgress : ITenantOwned
{
    public Guid TenantId { get; set; }
    public required string EntityType { get; set; }
    public long Sequence { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>What an Admin did to the tenant's people (invited, changed a role, deactivated,
/// reactivated), written by the database functions that make those changes (migration UserAdministration).</summary>
public sealed class AuditEntry : ITenantOwned
{
    public long Id { get; set; }
    public Guid TenantId { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid? ActorId { get; set; }
    public required string Action { get; set; }
    public Guid? SubjectId { get; set; }
    public required string Details { get; set; }
}

/// <summary>Marks rows that belong to one tenant: filtered by tenant and stamped on insert.</summary>
public interface ITenantOwned
{
    Guid TenantId { get; set; }
}

/// <summary>A board's configuration: one per tenant and entity type (table kanban_configs).</summary>
public sealed class BoardConfig : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string EntityType { get; set; }
    /// <summary>Optimistic-locking version of the configuration itself.</summary>
    public int Version { get; set; }
    /// <summary>Bumped by every committed board change; live updates carry it so that gaps are seen.</summary>
    public long Sequence { get; set; }
    /// <summary>JSON array of [from, to] stage-key pairs a card may move along; null: any to any.</summary>
    public string? AllowedTransitions { get; set; }
    /// <summary>The stage where work on a card starts, for cycle time (null: the first open stage after the first).</summary>
    public string? WorkStartedStage { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<Stage> Stages { get; set; } = [];
}

public sealed class Stage : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid BoardConfigId { get; set; }
    public required string Key { get; set; }
    public required string Name { get; set; }
    public int Position { get; set; }
    /// <summary>Open, Won or Lost (KanbanBlazor.Core.Boards.StageOutcome).</summary>
    public required string Outcome { get; set; }
    public int? WipSoftLimit { get; set; }
    public int? WipHardLimit { get; set; }
    /// <summary>Entering this stage needs a reason (e.g. won, lost).</summary>
    public bool RequiresReason { get; set; }
}

/// <summary>A card on a board: the fields every entity type shares, and each type's own (a lead's email,
/// an opportunity's probability, a task's due date, a customer's plan: KanbanBlazor.Core.Cards.CardFields),
/// empty on the types that do not use them. Value is an opportunity's value and a customer's annual value.</summary>
public sealed class Card : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string EntityType { get; set; }
    public required string Title { get; set; }
    public string? Company { get; set; }
    public decimal Value { get; set; }
    public string Currency { get; set; } = "USD";
    public Guid? OwnerId { get; set; }
    public required string Stage { get; set; }
    /// <summary>Fractional ordering key within the stage (KanbanBlazor.Core.Ordering.OrderingKey).</summary>
    public required string Position { get; set; }
    public int Version { get; set; }
    public DateTimeOffset? NextActionAt { get; set; }
    public string? NextActionDetails { get; set; }
    public DateTimeOffset? LastActivityAt { get; set; }
    /// <summary>When the card last came into its current stage (for its age there against the stage's usual time).</summary>
    public DateTimeOffset? StageEnteredAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid? LastModifiedBy { get; set; }
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public string? Source { get; set; }
    public int? Score { get; set; }
    public DateOnly? ExpectedCloseOn { get; set; }
    public int? Probability { get; set; }
    public string? Description { get; set; }
    public DateOnly? DueOn { get; set; }
    public Guid? AssigneeId { get; set; }
    public string? Plan { get; set; }
    public KanbanBlazor.Core.Cards.CustomerHealth? Health { get; set; }
}

/// <summary>One entry of the event log (table kanban_moves): every event of a board, numbered by its
/// sequence; <see cref="EventType"/> says which (CardMoved, WipWarning, …).</summary>
public sealed class CardMove : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string EventType { get; set; } = BoardEventTypes.CardMoved;
    public required string EntityType { get; set; }
    public Guid EntityId { get; set; }
    public string? FromStage { get; set; }
    public required string ToStage { get; set; }
    public string? ToPosition { get; set; }
    /// <summary>Where the card was before (its ordering key), so that an undo puts it back exactly.</summary>
    public string? FromPosition { get; set; }
    /// <summary>For a CardMoved: a move, or an undo or redo of one (<see cref="UndoMoveId"/> names it).</summary>
    public string Kind { get; set; } = MoveKinds.Move;
    public Guid? UserId { get; set; }
    public string? Reason { get; set; }
    /// <summary>JSON: source (board, api, seed), validation type, WIP override and the like.</summary>
    public string Metadata { get; set; } = "{}";
    public long Sequence { get; set; }
    public DateTimeOffset? UndoneAt { get; set; }
    public Guid? UndoneBy { get; set; }
    public Guid? UndoMoveId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>What a logged move was (kanban_moves.kind).</summary>
public static class MoveKinds
{
    public const string Move = "move";
    public const string Undo = "undo";
    public const string Redo = "redo";
    /// <summary>Made by an Admin's consistency repair, to put the board back in line with its log.</summary>
    public const string Repair = "repair";
}

/// <summary>A pessimistic edit lock on a card (table kanban_locks): held by one user until it expires
/// (30 seconds, renewable); an expired lock is no lock.</summary>
public sealed class EditLock : ITenantOwned
{
    public Guid TenantId { get; set; }
    public required string EntityType { get; set; }
    public Guid EntityId { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset AcquiredAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A board as it was at one sequence number (table kanban_snapshots), so that replay and
/// "board as of" start from the nearest snapshot instead of the beginning of the log.</summary>
public sealed class StoredSnapshot : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string EntityType { get; set; }
    /// <summary>The board's sequence number the snapshot is at.</summary>
    public long Sequence { get; set; }
    /// <summary>The time of that event (the board as of this moment).</summary>
    public DateTimeOffset At { get; set; }
    /// <summary>JSON: stages and cards (SnapshotJson).</summary>
    public required string State { get; set; }
    /// <summary>How many events came between the previous snapshot and this one.</summary>
    public long EventsSincePrevious { get; set; }
    /// <summary>scheduled (every N events), manual (on demand), baseline (the first, from the stored board).</summary>
    public required string Reason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The kinds of event the log holds (kanban_moves.event_type).</summary>
public static class BoardEventTypes
{
    public const string CardMoved = "CardMoved";
    public const string CardCreated = "CardCreated";
    public const string CardUpdated = "CardUpdated";
    public const string CardDeleted = "CardDeleted";
    public const string BoardConfigured = "BoardConfigured";
    public const string WipWarning = "WipWarning";
    /// <summary>Cards of a stage given new ordering keys in the same order (metadata "cards": id, from, to).</summary>
    public const string StageRebalanced = "StageRebalanced";

    public static readonly IReadOnlyList<string> All = [CardMoved, CardCreated, CardUpdated, CardDeleted, BoardConfigured, WipWarning, StageRebalanced];
}

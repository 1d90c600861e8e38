using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>One event of a card's history, as people read it.</summary>
public sealed record CardHistoryEntry(
    long Sequence,
    string EventType,
    string Kind,
    string? FromStage,
    string ToStage,
    string? Who,
    DateTimeOffset At,
    string? Reason,
    bool WipOverride,
    string? UndoneBy,
    DateTimeOffset? UndoneAt,
    int? WipCount,
    int? WipLimit)
{
    /// <summary>An edit's changed fields, each with its old and new value (empty for other events).</summary>
    public IReadOnlyList<KanbanBlazor.Core.Cards.FieldChange> Changes { get; init; } = [];

    /// <summary>What was done, when the entry completed a next action.</summary>
    public string? Activity { get; init; }
}

/// <summary>A card's history from the event log, newest first: its creation, every edit with the fields
/// it changed (old and new values), every move with who, when, from where to where and why, overrides,
/// warnings, undos and redos. The reader's membership is re-read first.</summary>
public sealed class CardHistory(IDbContextFactory<KanbanDbContext> factory)
{
    public const int Limit = 200;

    private static string? Text(System.Text.Json.JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;

    public async Task<IReadOnlyList<CardHistoryEntry>> ExecuteAsync(CurrentTenant tenant, string entityType, Guid cardId, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        if (!await db.Members.AnyAsync(m => m.UserId == tenant.UserId && m.DeactivatedAt == null, ct)) throw new TenantNotFoundException();
        var names = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var rows = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == entityType && m.EntityId == cardId)
            .OrderByDescending(m => m.Sequence)
            .Take(Limit)
            .ToListAsync(ct);
        string? Name(Guid? id) => id is { } known && names.TryGetValue(known, out var name) ? name : null;
        // An owner or assignee is logged by id and read by name.
        KanbanBlazor.Core.Cards.FieldChange Named(KanbanBlazor.Core.Cards.FieldChange change) =>
            change.Field is KanbanBlazor.Core.Cards.CardFields.OwnerId or KanbanBlazor.Core.Cards.CardFields.AssigneeId
                ? change with { From = PersonName(change.From), To = PersonName(change.To) }
                : change;
        string? PersonName(string? id) => Guid.TryParse(id, out var user) ? Name(user) ?? id : id;
        return rows.Select(m =>
        {
            using var metadata = System.Text.Json.JsonDocument.Parse(m.Metadata);
            var root = metadata.RootElement;
            bool Flag(string key) => root.TryGetProperty(key, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.True;
            int? Number(string key) => root.TryGetProperty(key, out var value) && value.TryGetInt32(out var n) ? n : null;
            return new CardHistoryEntry(m.Sequence, m.EventType, m.Kind, m.FromStage, m.ToStage, Name(m.UserId), m.CreatedAt, m.Reason,
                Flag("wip_override"), Name(m.UndoneBy), m.UndoneAt, Number("count"), Number("soft_limit"))
            {
                Changes = root.TryGetProperty("changes", out var changes) && changes.ValueKind == System.Text.Json.JsonValueKind.Array
                    ? changes.EnumerateArray().Select(c => Named(new KanbanBlazor.Core.Cards.FieldChange(c.GetProperty("field").GetString()!, Text(c, "from"), Text(c, "to")))).ToList()
                    : [],
                Activity = Text(root, "activity"),
            };
        }).ToList();
    }
}

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
    int? WipLimit);

/// <summary>A card's history from the event log, newest first: every move with who, when, from where
/// to where and why, overrides, warnings, undos and redos. The reader's membership is re-read first.</summary>
public sealed class CardHistory(IDbContextFactory<KanbanDbContext> factory)
{
    public const int Limit = 200;

    public async Task<IReadOnlyList<CardHistoryEntry>> ExecuteAsync(CurrentTenant tenant, string entityType, Guid cardId, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        if (!await db.Members.AnyAsync(m => m.UserId == tenant.UserId, ct)) throw new TenantNotFoundException();
        var names = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var rows = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == entityType && m.EntityId == cardId)
            .OrderByDescending(m => m.Sequence)
            .Take(Limit)
            .ToListAsync(ct);
        string? Name(Guid? id) => id is { } known && names.TryGetValue(known, out var name) ? name : null;
        return rows.Select(m =>
        {
            using var metadata = System.Text.Json.JsonDocument.Parse(m.Metadata);
            var root = metadata.RootElement;
            bool Flag(string key) => root.TryGetProperty(key, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.True;
            int? Number(string key) => root.TryGetProperty(key, out var value) && value.TryGetInt32(out var n) ? n : null;
            return new CardHistoryEntry(m.Sequence, m.EventType, m.Kind, m.FromStage, m.ToStage, Name(m.UserId), m.CreatedAt, m.Reason,
                Flag("wip_override"), Name(m.UndoneBy), m.UndoneAt, Number("count"), Number("soft_limit"));
        }).ToList();
    }
}

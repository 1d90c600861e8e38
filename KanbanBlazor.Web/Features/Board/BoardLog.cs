using System.Text.Json;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Consistency;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Board events read back from the event log (kanban_moves), as they were published when committed:
/// what a board that missed some (a reconnect, a dropped live message, another instance's write)
/// applies to catch up by sequence instead of reloading everything.
/// </summary>
public sealed class BoardLog(IDbContextFactory<KanbanDbContext> factory)
{
    /// <summary>More missed events than this and a reload is cheaper than catching up.</summary>
    public const int MaxCatchUp = 500;

    /// <summary>The board's events after <paramref name="afterSequence"/>, in order.</summary>
    /// <returns>null when a reload is needed instead: too many, or one the log cannot rebuild (written
    /// before the log kept the card's version, or a kind this reader does not know)</returns>
    public async Task<IReadOnlyList<SequencedEvent>?> SinceAsync(CurrentTenant tenant, string entityType, long afterSequence, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        var rows = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == entityType && m.Sequence > afterSequence)
            .OrderBy(m => m.Sequence)
            .Take(MaxCatchUp + 1)
            .ToListAsync(ct);
        if (rows.Count > MaxCatchUp) return null;
        return await RebuildAsync(db, rows, ct);
    }

    /// <summary>The events of these log rows, in their order, named by the tenant's members.</summary>
    /// <returns>null when one of them cannot be rebuilt from its row</returns>
    internal static async Task<IReadOnlyList<SequencedEvent>?> RebuildAsync(KanbanDbContext db, IReadOnlyList<CardMove> rows, CancellationToken ct)
    {
        var names = rows.Count == 0 ? [] : await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var events = new List<SequencedEvent>(rows.Count);
        foreach (var row in rows)
        {
            if (ToEvent(row, names) is not { } change) return null;
            events.Add(new SequencedEvent(row.Sequence, change));
        }
        return events;
    }

    /// <summary>The event a log row records, as it was published (null: not rebuildable from the row).</summary>
    public static BoardEvent? ToEvent(CardMove row, IReadOnlyDictionary<Guid, string> names)
    {
        using var metadata = JsonDocument.Parse(row.Metadata);
        var meta = metadata.RootElement;
        BoardEvent? change = row.EventType switch
        {
            BoardEventTypes.CardMoved when row.ToPosition is not null && row.FromStage is not null && Int(meta, "card_version") is { } version =>
                new CardMoved(row.Id, row.EntityId, row.FromStage, row.ToStage, row.ToPosition, version) { UndoOf = row.UndoMoveId },
            BoardEventTypes.StageRebalanced when Rekeyed(meta) is { } cards => new StageRebalanced(row.ToStage, cards),
            BoardEventTypes.WipWarning when Int(meta, "count") is { } count && Int(meta, "soft_limit") is { } soft =>
                new WipWarning(row.ToStage, count, soft),
            BoardEventTypes.BoardConfigured when meta.TryGetProperty("stages", out var stages) =>
                new BoardConfigured(stages.EnumerateArray().Select(s => new BoardStage(
                    s.GetProperty("id").GetString()!, s.GetProperty("name").GetString()!,
                    Enum.Parse<StageOutcome>(s.GetProperty("outcome").GetString()!),
                    Int(s, "wip_soft_limit"), Int(s, "wip_hard_limit"),
                    s.TryGetProperty("requires_reason", out var reason) && reason.GetBoolean())).ToList()),
            BoardEventTypes.CardCreated when row.ToPosition is not null && CardOf(row, meta, names) is { } card => new CardCreated(card),
            BoardEventTypes.CardUpdated when row.ToPosition is not null && CardOf(row, meta, names) is { } card =>
                new CardUpdated(card, meta.TryGetProperty("changes", out var changes)
                    ? changes.EnumerateArray().Select(c => c.GetProperty("field").GetString()!).ToList()
                    : []),
            BoardEventTypes.CardDeleted => new CardDeleted(row.EntityId),
            _ => null,
        };
        return change is null ? null : change with
        {
            ActorId = row.UserId,
            ActorName = row.UserId is { } user && names.TryGetValue(user, out var name) ? name : "",
            At = row.CreatedAt,
        };
    }

    /// <summary>A card's board fields as a log row's metadata keeps them (under "card").</summary>
    internal static object CardJson(string title, string? company, decimal value, string currency, Guid? ownerId, DateTimeOffset? nextActionAt, string? nextActionDetails,
        int? probability, DateTimeOffset? stageEnteredAt) =>
        new { title, company, value, currency, owner_id = ownerId, next_action_at = nextActionAt, next_action_details = nextActionDetails, probability, stage_entered_at = stageEnteredAt };

    /// <summary>The card as the board showed it after a logged create, edit or deletion (null: the row does not keep it).</summary>
    internal static BoardCard? CardOf(CardMove row, JsonElement meta, IReadOnlyDictionary<Guid, string> names)
    {
        if (!meta.TryGetProperty("card", out var card) || Int(meta, "card_version") is not { } version || row.ToPosition is null) return null;
        string? Text(string name) => card.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        Guid? owner = Text("owner_id") is { } id ? Guid.Parse(id) : null;
        return new BoardCard(row.EntityId, Text("title") ?? "", Text("company"),
            card.TryGetProperty("value", out var amount) && amount.ValueKind == JsonValueKind.Number ? amount.GetDecimal() : 0,
            Text("currency") ?? "USD", owner, owner is { } o && names.TryGetValue(o, out var name) ? name : null,
            row.ToStage, row.ToPosition, version,
            Text("next_action_at") is { } at ? DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture) : null,
            Text("next_action_details"))
        {
            Probability = Int(card, "probability"),
            EnteredStageAt = Text("stage_entered_at") is { } entered ? DateTimeOffset.Parse(entered, System.Globalization.CultureInfo.InvariantCulture) : null,
        };
    }

    /// <summary>The board's log as the consistency check reads it: every entry's sequence, type and
    /// placement, with a rebalance's new keys (the only metadata it reads).</summary>
    internal static async Task<List<LoggedEvent>> PlacementsAsync(KanbanDbContext db, string entityType, CancellationToken ct)
    {
        var rows = await db.Moves.AsNoTracking().Where(m => m.EntityType == entityType)
            .Select(m => new { m.Sequence, m.EventType, m.EntityId, m.ToStage, m.ToPosition, Metadata = m.EventType == BoardEventTypes.StageRebalanced ? m.Metadata : null })
            .ToListAsync(ct);
        return rows.Select(m =>
        {
            IReadOnlyList<CardRekeyed>? rekeyed = null;
            if (m.Metadata is not null)
            {
                using var metadata = JsonDocument.Parse(m.Metadata);
                rekeyed = Rekeyed(metadata.RootElement);
            }
            return new LoggedEvent(m.Sequence, m.EventType, m.EntityId, m.ToStage, m.ToPosition, rekeyed);
        }).ToList();
    }

    /// <summary>A rebalance's log metadata: what caused it, and each card's key before and after.</summary>
    internal static string RebalanceMetadata(string source, Guid? causedBy, IReadOnlyList<CardRekeyed> cards) =>
        JsonSerializer.Serialize(new { source, caused_by = causedBy, cards = cards.Select(c => new { id = c.CardId, from = c.FromPosition, to = c.ToPosition }) });

    private static IReadOnlyList<CardRekeyed>? Rekeyed(JsonElement meta) =>
        meta.TryGetProperty("cards", out var cards) && cards.ValueKind == JsonValueKind.Array
            ? cards.EnumerateArray().Select(c => new CardRekeyed(c.GetProperty("id").GetGuid(), c.GetProperty("from").GetString()!, c.GetProperty("to").GetString()!)).ToList()
            : null;

    private static int? Int(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
}

using System.Text;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>A card as the API shows it.</summary>
public sealed record BoardItem(
    Guid Id, string Title, string? Company, decimal Value, string Currency, Guid? OwnerId, string? OwnerName,
    string StageId, string Position, int Version, DateTimeOffset? NextActionAt, string? NextActionDetails,
    DateTimeOffset? LastActivityAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One page of a stage, in board order; <see cref="NextCursor"/> continues it (null: the end).</summary>
public sealed record ItemPage(IReadOnlyList<BoardItem> Items, string? NextCursor);

/// <summary>A stage with its WIP status (counted in SQL, not from loaded cards) and its first page.</summary>
public sealed record StageOverview(string Id, string Name, string Outcome, int Position, int Count, decimal TotalValue,
    int? WipSoftLimit, int? WipHardLimit, bool RequiresReason, string WipStatus, ItemPage Items);

public sealed record BoardOverview(string Tenant, string EntityType, long Sequence, int ConfigVersion, IReadOnlyList<StageOverview> Stages);

/// <summary>One entry of a board's event log, as the API shows it.</summary>
public sealed record LogEntry(long Sequence, Guid Id, string Type, Guid EntityId, string? FromStageId, string ToStageId, string? Position,
    string Kind, Guid? UserId, string? UserName, string? Reason, System.Text.Json.JsonElement Metadata,
    DateTimeOffset? UndoneAt, Guid? UndoneBy, Guid? UndoMoveId, DateTimeOffset CreatedAt);

public sealed record LogPage(IReadOnlyList<LogEntry> Events, string? NextCursor);

/// <summary>
/// Paged reads of a board (the REST API's, and later the virtualised stages'): keyset pages over a
/// stage in board order (ordering key, then id) and over the event log by sequence, with opaque
/// cursors; counts and totals come from SQL aggregates. Each read is one consistent snapshot.
/// </summary>
public sealed class BoardPages(IDbContextFactory<KanbanDbContext> factory)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <returns>null when the tenant has no board of that type</returns>
    public async Task<BoardOverview?> OverviewAsync(CurrentTenant tenant, string entityType, int limit, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var config = await db.BoardConfigs.AsNoTracking().Include(c => c.Stages).SingleOrDefaultAsync(c => c.EntityType == entityType, ct);
        if (config is null) return null;
        var totals = await db.Cards.AsNoTracking().Where(c => c.EntityType == entityType)
            .GroupBy(c => c.Stage)
            .Select(g => new { Stage = g.Key, Count = g.Count(), Value = g.Sum(c => c.Value) })
            .ToDictionaryAsync(g => g.Stage, ct);
        var owners = await OwnersAsync(db, ct);
        var stages = new List<StageOverview>();
        foreach (var stage in config.Stages.OrderBy(s => s.Position))
        {
            var count = totals.TryGetValue(stage.Key, out var total) ? total.Count : 0;
            var page = await PageAsync(db, entityType, stage.Key, null, limit, owners, ct);
            var wip = new WipStatus(stage.Key, count, stage.WipSoftLimit, stage.WipHardLimit);
            stages.Add(new StageOverview(stage.Key, stage.Name, stage.Outcome, stage.Position, count, total?.Value ?? 0,
                stage.WipSoftLimit, stage.WipHardLimit, stage.RequiresReason,
                wip.AtHardLimit ? "hard" : wip.AtSoftLimit ? "soft" : "ok", page));
        }
        await tx.CommitAsync(ct);
        return new BoardOverview(tenant.Slug, entityType, config.Sequence, config.Version, stages);
    }

    /// <returns>null when the board or the stage does not exist</returns>
    /// <exception cref="FormatException">the cursor is not one this API gave out</exception>
    public async Task<ItemPage?> StageAsync(CurrentTenant tenant, string entityType, string stage, string? cursor, int limit, CancellationToken ct)
    {
        (string, Guid)? after = cursor is null ? null : DecodeCardCursor(cursor);
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        if (!await db.Stages.AnyAsync(s => s.Key == stage && db.BoardConfigs.Any(c => c.Id == s.BoardConfigId && c.EntityType == entityType), ct))
            return null;
        return await PageAsync(db, entityType, stage, after, limit, await OwnersAsync(db, ct), ct);
    }

    /// <summary>The board's log in sequence order after <paramref name="cursor"/> (optionally one card's).</summary>
    /// <returns>null when the board does not exist</returns>
    /// <exception cref="FormatException">the cursor is not one this API gave out</exception>
    public async Task<LogPage?> LogAsync(CurrentTenant tenant, string entityType, Guid? entityId, string? cursor, int limit, CancellationToken ct)
    {
        var after = cursor is null ? 0 : long.TryParse(cursor, out var s) && s >= 0 ? s : throw new FormatException();
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        if (!await db.BoardConfigs.AnyAsync(c => c.EntityType == entityType, ct)) return null;
        var query = db.Moves.AsNoTracking().Where(m => m.EntityType == entityType && m.Sequence > after);
        if (entityId is { } id) query = query.Where(m => m.EntityId == id);
        var rows = await query.OrderBy(m => m.Sequence).Take(limit + 1).ToListAsync(ct);
        var names = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var events = rows.Take(limit).Select(m => new LogEntry(
            m.Sequence, m.Id, m.EventType, m.EntityId, m.FromStage, m.ToStage, m.ToPosition, m.Kind, m.UserId,
            m.UserId is { } user && names.TryGetValue(user, out var name) ? name : null,
            m.Reason, System.Text.Json.JsonDocument.Parse(m.Metadata).RootElement.Clone(), m.UndoneAt, m.UndoneBy, m.UndoMoveId, m.CreatedAt)).ToList();
        return new LogPage(events, rows.Count > limit ? events[^1].Sequence.ToString() : null);
    }

    private static async Task<ItemPage> PageAsync(KanbanDbContext db, string entityType, string stage, (string Position, Guid Id)? after,
        int limit, IReadOnlyDictionary<Guid, string> owners, CancellationToken ct)
    {
        // Served by ix_cards_board_order (tenant, entity type, stage, ordering key): a keyset page.
        var query = after is { } from
            ? db.Cards.FromSql($"""SELECT * FROM cards WHERE entity_type = {entityType} AND stage = {stage} AND (position, id) > ({from.Position} COLLATE "C", {from.Id})""")
            : db.Cards.Where(c => c.EntityType == entityType && c.Stage == stage);
        var cards = await query.AsNoTracking().OrderBy(c => c.Position).ThenBy(c => c.Id).Take(limit + 1).ToListAsync(ct);
        var items = cards.Take(limit).Select(c => new BoardItem(c.Id, c.Title, c.Company, c.Value, c.Currency, c.OwnerId,
            c.OwnerId is { } owner && owners.TryGetValue(owner, out var name) ? name : null, c.Stage, c.Position, c.Version,
            c.NextActionAt, c.NextActionDetails, c.LastActivityAt, c.CreatedAt, c.UpdatedAt)).ToList();
        return new ItemPage(items, cards.Count > limit ? EncodeCardCursor(items[^1].Position, items[^1].Id) : null);
    }

    private static Task<Dictionary<Guid, string>> OwnersAsync(KanbanDbContext db, CancellationToken ct) =>
        db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);

    internal static string EncodeCardCursor(string position, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{id:N}{position}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static (string Position, Guid Id) DecodeCardCursor(string cursor)
    {
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        if (text.Length <= 32 || !Guid.TryParseExact(text[..32], "N", out var id)) throw new FormatException();
        return (text[32..], id);
    }
}

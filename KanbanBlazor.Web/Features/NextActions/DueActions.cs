using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.NextActions;

/// <summary>When a next action is due, as the tracker groups them.</summary>
public enum Due
{
    Overdue,
    Today,
    ThisWeek,
}

/// <summary>A card's next action, as the tracker lists it.</summary>
public sealed record DueAction(Guid CardId, string EntityType, string Title, string Stage, string StageName, Guid? OwnerId, string? OwnerName,
    DateTimeOffset At, string? Details, int Version, Due Due);

/// <summary>
/// "My next actions": the cards whose next action is overdue, due today or due in the rest of the
/// week (in the reader's time zone), oldest first, across every board of the tenant. A Sales rep (or a
/// Viewer) sees their own; a Manager or an Admin sees anyone's or the whole team's. One query, served
/// by the partial index on (tenant_id, next_action_at) where a next action is set.
/// </summary>
public sealed class DueActions(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock)
{
    public const int Limit = 500;

    /// <param name="owner">whose (null: the whole team); ignored for those who may see only their own</param>
    public async Task<IReadOnlyList<DueAction>> ListAsync(CurrentTenant reader, Guid? owner, TimeZoneInfo zone, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var tomorrow = StartOfDay(local.Date.AddDays(1), zone);
        // The rest of the week: until the start of next Monday.
        var daysToMonday = ((int)DayOfWeek.Monday - (int)local.DayOfWeek + 7) % 7;
        var weekEnd = StartOfDay(local.Date.AddDays(daysToMonday == 0 ? 7 : daysToMonday), zone);
        if (!SeesTeam(reader.Role)) owner = reader.UserId;

        await using var db = await factory.CreateForTenantAsync(reader.TenantId, ct);
        var query = db.Cards.AsNoTracking().Where(c => c.NextActionAt != null && c.NextActionAt < weekEnd);
        if (owner is { } whose) query = query.Where(c => c.OwnerId == whose);
        var rows = await query.OrderBy(c => c.NextActionAt).Take(Limit)
            .Select(c => new { c.Id, c.EntityType, c.Title, c.Stage, c.OwnerId, At = c.NextActionAt!.Value, c.NextActionDetails, c.Version })
            .ToListAsync(ct);
        if (rows.Count == 0) return [];
        var names = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var stages = await db.Stages.AsNoTracking().Join(db.BoardConfigs, s => s.BoardConfigId, b => b.Id, (s, b) => new { b.EntityType, s.Key, s.Name })
            .ToListAsync(ct);
        var stageNames = stages.ToDictionary(s => (s.EntityType, s.Key), s => s.Name);
        return rows.Select(r => new DueAction(r.Id, r.EntityType, r.Title, r.Stage, stageNames.GetValueOrDefault((r.EntityType, r.Stage)) ?? r.Stage,
            r.OwnerId, r.OwnerId is { } o ? names.GetValueOrDefault(o) : null, r.At, r.NextActionDetails, r.Version,
            r.At < now ? Due.Overdue : r.At < tomorrow ? Due.Today : Due.ThisWeek)).ToList();
    }

    /// <summary>The closing stages of a board (won, lost, done…), where completing an action may take the card instead of setting the next one.</summary>
    public async Task<IReadOnlyList<(string Key, string Name)>> ClosingStagesAsync(CurrentTenant reader, string entityType, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(reader.TenantId, ct);
        return (await db.Stages.AsNoTracking().Join(db.BoardConfigs.Where(b => b.EntityType == entityType), s => s.BoardConfigId, b => b.Id, (s, b) => s)
                .Where(s => s.Outcome != nameof(StageOutcome.Open)).OrderBy(s => s.Position).Select(s => new { s.Key, s.Name }).ToListAsync(ct))
            .Select(s => (s.Key, s.Name)).ToList();
    }

    public static bool SeesTeam(TenantRole role) => role is TenantRole.Manager or TenantRole.Admin;

    private static DateTimeOffset StartOfDay(DateTime day, TimeZoneInfo zone)
    {
        var midnight = DateTime.SpecifyKind(day.Date, DateTimeKind.Unspecified);
        // A midnight that does not exist (a clock change) is taken an hour later.
        if (zone.IsInvalidTime(midnight)) midnight = midnight.AddHours(1);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).ToUniversalTime();
    }
}

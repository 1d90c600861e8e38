using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>The cards of a board that a filter shows, found by PostgreSQL (never by going through a
/// board's loaded cards): their ids.</summary>
public sealed class CardSearch(IDbContextFactory<KanbanDbContext> factory)
{
    public async Task<HashSet<Guid>> MatchingAsync(CurrentTenant viewer, string entityType, BoardFilter filter, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(viewer.TenantId, ct);
        var cards = db.Cards.AsNoTracking().Where(c => c.EntityType == entityType);
        if (filter.Mine) cards = cards.Where(c => c.OwnerId == viewer.UserId);
        if (filter.Owner is { } owner) cards = cards.Where(c => c.OwnerId == owner);
        if (filter.Search is { } text)
        {
            var pattern = "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            cards = cards.Where(c => EF.Functions.ILike(c.Title, pattern, "\\") || (c.Company != null && EF.Functions.ILike(c.Company, pattern, "\\")));
        }
        if (filter.Overdue) cards = cards.Where(c => c.NextActionAt < now);
        if (filter.MinValue is { } min) cards = cards.Where(c => c.Value >= min);
        if (filter.MaxValue is { } max) cards = cards.Where(c => c.Value <= max);
        return (await cards.Select(c => c.Id).ToListAsync(ct)).ToHashSet();
    }
}

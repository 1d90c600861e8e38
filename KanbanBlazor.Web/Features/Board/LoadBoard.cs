using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>Reads the current tenant's board of one entity type: stages in order, cards in position order.
/// The reader's membership is read again first: one removed since the circuit began reads nothing.</summary>
public sealed class LoadBoard(IDbContextFactory<KanbanDbContext> factory)
{
    /// <returns>null when the tenant has no board of that entity type</returns>
    /// <exception cref="TenantNotFoundException">the reader is no longer a member of the tenant</exception>
    public async Task<BoardState?> ExecuteAsync(CurrentTenant tenant, string entityType, CancellationToken ct)
    {
        if (!EntityTypes.IsKnown(entityType)) return null;
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        // One snapshot for config, stages and cards, so that the sequence matches the cards read.
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        if (!await db.Members.AnyAsync(m => m.UserId == tenant.UserId, ct)) throw new TenantNotFoundException();
        var config = await db.BoardConfigs.AsNoTracking()
            .Include(c => c.Stages)
            .SingleOrDefaultAsync(c => c.EntityType == entityType, ct);
        if (config is null) return null;

        var owners = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var cards = await db.Cards.AsNoTracking()
            .Where(c => c.EntityType == entityType)
            .ToListAsync(ct);
        await tx.CommitAsync(ct);

        var stages = config.Stages.OrderBy(s => s.Position).Select(ToBoardStage).ToList();
        return new BoardState(entityType, config.Sequence, stages, cards.Select(c => ToBoardCard(c, owners)));
    }

    internal static BoardStage ToBoardStage(Stage s) =>
        new(s.Key, s.Name, Enum.Parse<StageOutcome>(s.Outcome), s.WipSoftLimit, s.WipHardLimit, s.RequiresReason);

    internal static BoardCard ToBoardCard(Card card, IReadOnlyDictionary<Guid, string> owners) => new(
        card.Id, card.Title, card.Company, card.Value, card.Currency, card.OwnerId,
        card.OwnerId is { } owner && owners.TryGetValue(owner, out var name) ? name : null,
        card.Stage, card.Position, card.Version, card.NextActionAt, card.NextActionDetails);
}

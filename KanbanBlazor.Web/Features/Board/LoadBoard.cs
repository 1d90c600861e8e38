using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>Reads the current tenant's board of one entity type: stages in order, cards in position order.
/// The reader's membership is read again first: one removed since the circuit began reads nothing.</summary>
public sealed class LoadBoard(IDbContextFactory<KanbanDbContext> factory, SharedBoards? shared = null)
{
    /// <returns>null when the tenant has no board of that entity type</returns>
    /// <exception cref="TenantNotFoundException">the reader is no longer a member of the tenant</exception>
    public async Task<BoardState?> ExecuteAsync(CurrentTenant tenant, string entityType, CancellationToken ct)
    {
        if (!EntityTypes.IsKnown(entityType)) return null;
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        // One snapshot for config, stages and cards, so that the sequence matches the cards read.
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        if (!await db.Members.AnyAsync(m => m.UserId == tenant.UserId && m.DeactivatedAt == null, ct)) throw new TenantNotFoundException();
        var config = await db.BoardConfigs.AsNoTracking().SingleOrDefaultAsync(c => c.EntityType == entityType, ct);
        if (config is null) return null;
        // The board every viewer on this instance shares, when it is the one the database has now.
        if (shared?.At(tenant.TenantId, entityType, config.Sequence) is { } current) return new BoardState(current);
        var stages = await db.Stages.AsNoTracking().Where(s => s.BoardConfigId == config.Id).OrderBy(s => s.Position).ToListAsync(ct);
        var board = await ReadAsync(db, entityType, config.Sequence, stages, ct);
        await tx.CommitAsync(ct);
        shared?.Offer(tenant.TenantId, board);
        return new BoardState(board);
    }

    /// <summary>Every card of the board, with their owners' names, as the board at <paramref name="sequence"/>
    /// (read in the caller's transaction).</summary>
    internal static async Task<BoardSnapshot> ReadAsync(KanbanDbContext db, string entityType, long sequence, IReadOnlyList<Stage> stages, CancellationToken ct)
    {
        var owners = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        var cards = await db.Cards.AsNoTracking().Where(c => c.EntityType == entityType).ToListAsync(ct);
        return BoardSnapshot.Create(entityType, sequence, stages.Select(ToBoardStage), cards.Select(c => ToBoardCard(c, owners)));
    }

    internal static BoardStage ToBoardStage(Stage s) =>
        new(s.Key, s.Name, Enum.Parse<StageOutcome>(s.Outcome), s.WipSoftLimit, s.WipHardLimit, s.RequiresReason);

    internal static BoardCard ToBoardCard(Card card, IReadOnlyDictionary<Guid, string> owners) => new(
        card.Id, card.Title, card.Company, card.Value, card.Currency, card.OwnerId,
        card.OwnerId is { } owner && owners.TryGetValue(owner, out var name) ? name : null,
        card.Stage, card.Position, card.Version, card.NextActionAt, card.NextActionDetails) { Probability = card.Probability, EnteredStageAt = card.StageEnteredAt };
}

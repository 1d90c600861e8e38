using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

public enum UndoKind
{
    Undo,
    Redo,
}

/// <summary>What the user's undo or redo would do next on a board (null when there is nothing).</summary>
public sealed record UndoPreview(Guid CardId, string CardTitle, string FromStage, string ToStage);

/// <summary>
/// Undo and redo, per user per board, kept in the event log rather than in memory (so they survive a
/// reload and work across instances). Undo takes back the user's latest move that is not undone yet:
/// it appends a compensating move to where the card was (its old stage and ordering key), linked to
/// the original (<c>undo_move_id</c>), and marks the original undone. Redo re-applies the move the
/// latest undo took back, exactly where it went, unless the user has made a new move since (which
/// clears the redo stack). Either is refused, naming who moved the card where, when someone moved
/// the card after the move being taken back; and either passes the same checks as any move (role,
/// transition, reason, WIP), through the same board transaction.
/// </summary>
public sealed class UndoMove(BoardTransaction transaction, IDbContextFactory<KanbanDbContext> factory, ILogger<UndoMove> logger)
{
    public async Task<MoveResult> ExecuteAsync(CurrentTenant tenant, string entityType, UndoKind kind, Guid originId, string source,
        string? reason = null, bool wipOverride = false, CancellationToken ct = default)
    {
        var outcome = await transaction.ExecuteAsync(tenant, entityType, originId, source,
            board => TakeBackAsync(board, entityType, kind, reason, wipOverride, ct), ct);
        return MoveCard.ResultOf(outcome);
    }

    /// <summary>What undo and redo would do now, for the buttons' labels.</summary>
    public async Task<(UndoPreview? Undo, UndoPreview? Redo)> PeekAsync(CurrentTenant tenant, string entityType, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        var undo = await NextAsync(db, tenant.UserId, entityType, UndoKind.Undo, ct);
        var redo = await NextAsync(db, tenant.UserId, entityType, UndoKind.Redo, ct);
        return (await PreviewAsync(db, undo, ct), await PreviewAsync(db, redo, ct));
    }

    private static async Task<UndoPreview?> PreviewAsync(KanbanDbContext db, CardMove? move, CancellationToken ct)
    {
        if (move is null) return null;
        var title = await db.Cards.AsNoTracking().Where(c => c.Id == move.EntityId).Select(c => c.Title).FirstOrDefaultAsync(ct);
        // Either way the card goes from where that log entry left it back to where it came from.
        return title is null ? null : new UndoPreview(move.EntityId, title, move.ToStage, move.FromStage ?? move.ToStage);
    }

    /// <summary>The move undo would take back (the user's latest move or redo not undone yet), or the
    /// undo that redo would take back (the user's latest undo not redone, if no new move came after it).</summary>
    private static async Task<CardMove?> NextAsync(KanbanDbContext db, Guid userId, string entityType, UndoKind kind, CancellationToken ct)
    {
        var mine = db.Moves.Where(m => m.EntityType == entityType && m.UserId == userId && m.EventType == BoardEventTypes.CardMoved
            && m.FromPosition != null && m.UndoneAt == null);
        if (kind == UndoKind.Undo)
            return await mine.Where(m => m.Kind != MoveKinds.Undo).OrderByDescending(m => m.Sequence).FirstOrDefaultAsync(ct);
        var lastUndo = await mine.Where(m => m.Kind == MoveKinds.Undo).OrderByDescending(m => m.Sequence).FirstOrDefaultAsync(ct);
        if (lastUndo is null) return null;
        var movedSince = await db.Moves.AnyAsync(m => m.EntityType == entityType && m.UserId == userId && m.EventType == BoardEventTypes.CardMoved
            && m.Kind == MoveKinds.Move && m.Sequence > lastUndo.Sequence, ct);
        return movedSince ? null : lastUndo;
    }

    private async Task<MoveResult> TakeBackAsync(BoardWrite board, string entityType, UndoKind kind, string? reason, bool wipOverride, CancellationToken ct)
    {
        var db = board.Db;
        var target = await NextAsync(db, board.Actor.UserId, entityType, kind, ct); // tracked: it is marked undone
        if (target is null)
            return new MoveResult(MoveDecision.Refuse(MoveRefusal.NothingToUndo, kind == UndoKind.Undo ? "There is nothing to undo." : "There is nothing to redo."));
        var card = await db.Cards.SingleOrDefaultAsync(c => c.Id == target.EntityId && c.EntityType == entityType, ct);

        // Only if the card is still where this move left it: the card's latest move is this one.
        var latest = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == entityType && m.EntityId == target.EntityId && m.EventType == BoardEventTypes.CardMoved)
            .OrderByDescending(m => m.Sequence).Select(m => m.Id).FirstOrDefaultAsync(ct);
        if (card is not null && latest != target.Id)
        {
            var last = await MoveCard.DescribeLastMoveAsync(db, card, board.Stages, ct);
            return new MoveResult(MoveDecision.Refuse(MoveRefusal.StaleVersion,
                last is null ? "Someone moved this card since; it cannot be undone." : $"{last.MovedBy} moved this card to {last.ToStageName} since; it cannot be undone.", last) with { CurrentVersion = card.Version });
        }

        // Undo goes back to where the move came from; redo goes again where the undone move came from.
        var (toStage, toPosition) = (target.FromStage!, target.FromPosition!);
        var inTarget = await MoveCard.CardsInTargetAsync(board, entityType, card, toStage, ct);
        var decision = MoveCheck.Decide(
            new MoveRequest(target.EntityId, card?.Version ?? 0, toStage, 0, FromStage: card?.Stage, Reason: reason, WipOverride: wipOverride),
            card is null ? null : new CardState(card.Id, card.Stage, card.Version, card.OwnerId),
            board.Rules, inTarget, board.Actor.Role, board.Actor.UserId);
        if (!decision.IsAllowed)
        {
            logger.LogInformation("{Kind} of move {MoveId} refused: {Refusal}", kind, target.Id, decision.Refusal);
            return new MoveResult(decision);
        }

        // Exactly where it was, unless another card has taken that very key since: then right after it
        // (which may rebalance that spot, like any move, rather than grow a key past the bound).
        var moveId = Guid.CreateVersion7(board.Now);
        var others = board.Snapshot.CardsIn(toStage).Where(c => c.Id != target.EntityId).ToList();
        if (toPosition.Length > KanbanBlazor.Core.Ordering.OrderingKey.MaxLength || others.Any(c => c.Position == toPosition))
        {
            var index = others.Count(c => string.CompareOrdinal(c.Position, toPosition) <= 0);
            toPosition = MoveCard.Place(board, entityType, toStage, others, index, moveId);
        }

        var (fromStage, fromPosition) = MoveCard.Relocate(board, card!, toStage, toPosition);
        target.UndoneAt = board.Now;
        target.UndoneBy = board.Actor.UserId;
        board.Append(
            new CardMoved(moveId, card!.Id, fromStage, toStage, toPosition, card.Version) { UndoOf = target.Id },
            new CardMove
            {
                Id = moveId,
                Kind = kind == UndoKind.Undo ? MoveKinds.Undo : MoveKinds.Redo,
                UndoMoveId = target.Id,
                EntityType = entityType,
                EntityId = card.Id,
                FromStage = fromStage,
                FromPosition = fromPosition,
                ToStage = toStage,
                ToPosition = toPosition,
                UserId = board.Actor.UserId,
                Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
                Metadata = MoveCard.MoveMetadata(board, decision, card.Version),
                CreatedAt = board.Now,
            });
        MoveCard.AppendWipWarning(board, entityType, card.Id, decision);
        return new MoveResult(decision);
    }
}

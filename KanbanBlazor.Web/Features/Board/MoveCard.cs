using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

public sealed record MoveResult(MoveDecision Decision, long Sequence = 0, CardMoved? Moved = null)
{
    public bool Succeeded => Decision.IsAllowed;
}

/// <summary>
/// Moves a card to a stage and a place in it. The board's config row is locked first (its sequence is
/// bumped), so moves on one board commit one at a time and each gets the next sequence number; the
/// card's version is then checked, so of two moves made from the same view exactly one wins.
/// The new ordering key is computed from the stored neighbours, touching only the moved card's row.
/// </summary>
public sealed class MoveCard(IDbContextFactory<KanbanDbContext> factory, BoardHub hub, TimeProvider clock, ILogger<MoveCard> logger)
{
    public async Task<MoveResult> ExecuteAsync(CurrentTenant tenant, string entityType, MoveRequest request, Guid originId, string source, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // The role is read again here, not taken from the circuit: a removal or demotion applies to
        // the very next move, even in a circuit that resolved the tenant long ago.
        var role = await db.Members.AsNoTracking()
            .Where(m => m.UserId == tenant.UserId)
            .Select(m => m.Role)
            .FirstOrDefaultAsync(ct);
        if (!TenantRoles.TryParse(role, out var currentRole))
            return new MoveResult(MoveDecision.Refuse(MoveRefusal.NotPermitted, "You are no longer a member of this organisation."));
        if (!BoardPermissions.CanMoveSomeCards(currentRole))
            return new MoveResult(MoveCheck.Decide(request, null, [], currentRole, tenant.UserId)); // refused without taking the board lock

        // Locks the board row: moves on one board commit one at a time, in sequence.
        var sequence = await db.Database
            .SqlQuery<long>($"UPDATE kanban_configs SET sequence = sequence + 1, updated_at = now() WHERE tenant_id = {tenant.TenantId} AND entity_type = {entityType} RETURNING sequence AS \"Value\"")
            .ToListAsync(ct);
        if (sequence.Count == 0)
            return new MoveResult(MoveDecision.Refuse(MoveRefusal.BoardNotFound, "This board does not exist."));

        var card = await db.Cards.SingleOrDefaultAsync(c => c.Id == request.CardId && c.EntityType == entityType, ct);
        var stages = await db.Stages.AsNoTracking()
            .Where(s => db.BoardConfigs.Any(b => b.Id == s.BoardConfigId && b.EntityType == entityType))
            .ToListAsync(ct);
        var lastMove = card is not null && card.Version != request.ExpectedVersion
            ? await DescribeLastMoveAsync(db, card, stages, ct)
            : null;

        var decision = MoveCheck.Decide(
            request,
            card is null ? null : new CardState(card.Id, card.Stage, card.Version, card.OwnerId),
            stages.Select(s => s.Key).ToList(),
            currentRole,
            tenant.UserId,
            lastMove);
        if (!decision.IsAllowed)
        {
            logger.LogInformation("Move of card {CardId} refused: {Refusal}", request.CardId, decision.Refusal);
            return new MoveResult(decision); // disposing the transaction rolls the sequence back
        }

        var position = await PositionAtAsync(db, entityType, request, ct);

        var now = clock.GetUtcNow();
        var fromStage = card!.Stage;
        card.Stage = request.ToStage;
        card.Position = position;
        card.Version++;
        card.UpdatedAt = now;
        card.LastActivityAt = now;
        card.LastModifiedBy = tenant.UserId;
        db.Moves.Add(new CardMove
        {
            Id = Guid.CreateVersion7(now),
            EntityType = entityType,
            EntityId = card.Id,
            FromStage = fromStage,
            ToStage = request.ToStage,
            ToPosition = position,
            UserId = tenant.UserId,
            Sequence = sequence[0],
            Metadata = JsonSerializer.Serialize(new { source, validation = "move_check" }),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var moved = new CardMoved(card.Id, fromStage, card.Stage, position, card.Version, tenant.UserId, tenant.UserDisplayName, now);
        hub.Publish(new BoardChange(tenant.TenantId, entityType, sequence[0], moved, originId));
        return new MoveResult(decision, sequence[0], moved);
    }

    private static async Task<string> PositionAtAsync(KanbanDbContext db, string entityType, MoveRequest request, CancellationToken ct)
    {
        var others = db.Cards.AsNoTracking()
            .Where(c => c.EntityType == entityType && c.Stage == request.ToStage && c.Id != request.CardId);
        var ordered = others.OrderBy(c => c.Position).Select(c => c.Position);

        // Right below the card the mover dropped it under, if that card is still in the stage.
        var after = request.AfterCardId is { } afterId
            ? await others.Where(c => c.Id == afterId).Select(c => c.Position).FirstOrDefaultAsync(ct)
            : null;
        if (after is not null)
        {
            var next = await ordered.Where(p => string.Compare(p, after) > 0).Take(1).ToListAsync(ct);
            return BoardState.PositionAt([after, .. next], 1);
        }

        if (request.ToIndex == 0)
            return BoardState.PositionAt(await ordered.Take(1).ToListAsync(ct), 0);
        var around = await ordered.Skip(request.ToIndex - 1).Take(2).ToListAsync(ct);
        if (around.Count > 0) return BoardState.PositionAt(around, 1);
        // Dropped past the end of the stage as stored now: go last.
        var last = await others.OrderByDescending(c => c.Position).Select(c => c.Position).Take(1).ToListAsync(ct);
        return BoardState.PositionAt(last, last.Count);
    }

    private static async Task<LastMove?> DescribeLastMoveAsync(KanbanDbContext db, Card card, List<Stage> stages, CancellationToken ct)
    {
        var last = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == card.EntityType && m.EntityId == card.Id)
            .OrderByDescending(m => m.Sequence)
            .FirstOrDefaultAsync(ct);
        if (last is null) return null;
        var who = last.UserId is { } id
            ? await db.Members.AsNoTracking().Where(m => m.UserId == id).Select(m => m.DisplayName).FirstOrDefaultAsync(ct)
            : null;
        var stageName = stages.FirstOrDefault(s => s.Key == last.ToStage)?.Name ?? last.ToStage;
        return new LastMove(who ?? "Someone", stageName, last.CreatedAt, last.ToStage);
    }
}

using System.Text.Json;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Core.Ordering;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <param name="Events">what was committed, numbered (empty when refused)</param>
public sealed record MoveResult(MoveDecision Decision, IReadOnlyList<SequencedEvent> Events)
{
    public MoveResult(MoveDecision decision) : this(decision, []) { }

    public bool Succeeded => Decision.IsAllowed;

    /// <summary>The move's sequence number once committed (0 when refused).</summary>
    public long Sequence => Events.FirstOrDefault(e => e.Event is CardMoved)?.Sequence ?? 0;

    /// <summary>The move itself, once committed.</summary>
    public CardMoved? Moved => Events.Select(e => e.Event).OfType<CardMoved>().FirstOrDefault();
}

/// <summary>
/// Moves a card to a stage and a place in it, through the board transaction: the card's version is
/// checked under the board lock, so of two moves made from the same view exactly one wins. Everything
/// it reads (the card, the target stage's cards and count) comes from the board writer's copy of the
/// board, current under the lock, so a move is one update and one log row.
/// </summary>
public sealed class MoveCard(BoardTransaction transaction, ILogger<MoveCard> logger, Metrics.WipBlocks? blocks = null)
{
    public async Task<MoveResult> ExecuteAsync(CurrentTenant tenant, string entityType, MoveRequest request, Guid originId, string source, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = await transaction.ExecuteAsync(tenant, entityType, originId, source, board => DecideAndMoveAsync(board, entityType, request, ct), ct,
            readsSnapshotOnly: true);
        Operations.KanbanTelemetry.MoveDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var result = ResultOf(outcome);
        // Kept for the metrics' count of blocks (a refusal is not in the board's log).
        if (result.Decision.Refusal == MoveRefusal.WipHardLimit && blocks is not null) await blocks.RecordAsync(tenant, entityType, request.ToStage, ct);
        return result;
    }

    /// <summary>A move-like write's result: refused when the actor is no longer a member or the board
    /// does not exist, else the use case's decision with what was committed.</summary>
    internal static MoveResult ResultOf(BoardWriteOutcome<MoveResult> outcome) =>
        outcome.IsNotMember ? new MoveResult(MoveDecision.Refuse(MoveRefusal.NotPermitted, "You are no longer a member of this organisation."))
        : outcome.IsNoBoard ? new MoveResult(MoveDecision.Refuse(MoveRefusal.BoardNotFound, "This board does not exist."))
        : outcome.Result! with { Events = outcome.Events };

    /// <summary>How many cards <paramref name="toStage"/> holds besides the moving card, when its limits
    /// matter (a move into it from another stage); counted under the board lock, so no other write of
    /// this board changes it before commit.</summary>
    internal static async Task<int> CardsInTargetAsync(BoardWrite board, string entityType, Card? card, string toStage, CancellationToken ct) =>
        card is not null && card.Stage != toStage && board.Rules.Stage(toStage) is { WipSoftLimit: not null } or { WipHardLimit: not null }
            ? await board.Db.Cards.CountAsync(c => c.EntityType == entityType && c.Stage == toStage && c.Id != card.Id, ct)
            : 0;

    /// <summary>The log row's metadata for a move: where it came from, what checked it, an override, and
    /// the card's version after it (so that the event can be rebuilt from the log: BoardLog).</summary>
    internal static string MoveMetadata(BoardWrite board, MoveDecision decision, int cardVersion) =>
        JsonSerializer.Serialize(new
        {
            source = board.Source, ip = board.ClientAddress, validation = "move_check", wip_override = decision.WipOverridden ? true : (bool?)null,
            card_version = cardVersion,
        }, SkipNulls);

    private static readonly JsonSerializerOptions SkipNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private async Task<MoveResult> DecideAndMoveAsync(BoardWrite board, string entityType, MoveRequest request, CancellationToken ct)
    {
        var db = board.Db;
        // The board writer's copy of the board (current under the lock) answers every read without a query.
        var known = board.Snapshot;
        var card = Track(board, entityType, known.Find(request.CardId));
        LastMove? lastMove = null;
        if (card is not null && card.Version != request.ExpectedVersion)
        {
            await board.FlushAsync(ct);
            lastMove = await DescribeLastMoveAsync(db, card, board.Stages, ct);
        }
        var inTarget = card is not null && card.Stage != request.ToStage ? known.CardsIn(request.ToStage).Count(c => c.Id != card.Id) : 0;

        var decision = MoveCheck.Decide(
            request,
            card is null ? null : new CardState(card.Id, card.Stage, card.Version, card.OwnerId),
            board.Rules,
            inTarget,
            board.Actor.Role,
            board.Actor.UserId,
            lastMove);
        if (!decision.IsAllowed)
        {
            logger.LogInformation("Move of card {CardId} refused: {Refusal}", request.CardId, decision.Refusal);
            return new MoveResult(decision);
        }

        var moveId = Guid.CreateVersion7(board.Now);
        var others = known.CardsIn(request.ToStage).Where(c => c.Id != request.CardId).ToList();
        var position = Place(board, entityType, request.ToStage, others, InsertionIndex(others, request), moveId);
        var (fromStage, fromPosition) = Relocate(board, card!, request.ToStage, position);
        board.Append(
            new CardMoved(moveId, card!.Id, fromStage, card.Stage, position, card.Version),
            new CardMove
            {
                Id = moveId,
                EntityType = entityType,
                EntityId = card.Id,
                FromStage = fromStage,
                ToStage = request.ToStage,
                ToPosition = position,
                FromPosition = fromPosition,
                UserId = board.Actor.UserId,
                Reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
                Metadata = MoveMetadata(board, decision, card.Version),
                CreatedAt = board.Now,
            });
        AppendWipWarning(board, entityType, card.Id, decision);
        return new MoveResult(decision);
    }

    /// <summary>Puts the card at <paramref name="position"/> of <paramref name="toStage"/> as the actor's
    /// change now (a new version); returns where it was.</summary>
    internal static (string Stage, string Position) Relocate(BoardWrite board, Card card, string toStage, string position, bool isActivity = true)
    {
        var from = (card.Stage, card.Position);
        if (card.Stage != toStage) card.StageEnteredAt = board.Now;
        card.Stage = toStage;
        card.Position = position;
        card.Version++;
        card.UpdatedAt = board.Now;
        if (isActivity) card.LastActivityAt = board.Now;
        card.LastModifiedBy = board.Actor.UserId;
        return from;
    }

    /// <summary>When a move took its stage to or past the soft limit: everyone viewing the board hears
    /// of it, and the log keeps it for the metrics.</summary>
    internal static void AppendWipWarning(BoardWrite board, string entityType, Guid cardId, MoveDecision decision)
    {
        if (decision is { WarnsOfWip: true, Wip: { } wip })
        {
            board.Append(
                new WipWarning(wip.Stage, wip.Count, wip.SoftLimit!.Value),
                new CardMove
                {
                    Id = Guid.CreateVersion7(board.Now),
                    EventType = BoardEventTypes.WipWarning,
                    EntityType = entityType,
                    EntityId = cardId,
                    ToStage = wip.Stage,
                    UserId = board.Actor.UserId,
                    Metadata = JsonSerializer.Serialize(new { source = board.Source, count = wip.Count, soft_limit = wip.SoftLimit, hard_limit = wip.HardLimit }),
                    CreatedAt = board.Now,
                });
        }
    }

    /// <summary>The card as a tracked entity for the update, from the writer's copy of the board (only
    /// what the move reads and writes; the update touches only what changes, checked by version).</summary>
    internal static Card? Track(BoardWrite board, string entityType, BoardCard? known)
    {
        if (known is null) return null;
        if (board.Db.Cards.Local.FirstOrDefault(c => c.Id == known.Id) is { } tracked) return tracked;
        var card = new Card
        {
            Id = known.Id, TenantId = board.Actor.TenantId, EntityType = entityType, Title = known.Title, OwnerId = known.OwnerId,
            Stage = known.Stage, Position = known.Position, Version = known.Version,
        };
        board.Db.Cards.Attach(card);
        return card;
    }

    /// <summary>
    /// Where a dropped card goes, as an index among the target stage's other cards in order: right below
    /// the card it was dropped under, if that card is still in the stage; else at the index it was
    /// dropped at; past the end of the stage as it is now, last.
    /// </summary>
    internal static int InsertionIndex(IReadOnlyList<BoardCard> others, MoveRequest request)
    {
        if (request.AfterCardId is { } afterId)
        {
            for (var i = 0; i < others.Count; i++)
                if (others[i].Id == afterId) return i + 1;
        }
        return Math.Clamp(request.ToIndex, 0, others.Count);
    }

    /// <summary>
    /// The key for a card put at <paramref name="index"/> among <paramref name="others"/> (the stage's
    /// other cards in order), computed from its neighbours so that only the card's row changes; when the
    /// spot has run out of short keys, the cards around it are first given new keys in the same order,
    /// logged (and published) as one <see cref="StageRebalanced"/> event before the move that needed it.
    /// </summary>
    internal static string Place(BoardWrite board, string entityType, string stage, IReadOnlyList<BoardCard> others, int index, Guid causedBy)
    {
        var placement = OrderingKey.Place(others.Select(c => c.Position).ToList(), index);
        if (!placement.Rebalances) return placement.Key;
        var rekeyed = placement.Rekeyed.Select(r => new CardRekeyed(others[r.Index].Id, others[r.Index].Position, r.Key)).ToList();
        foreach (var (known, change) in placement.Rekeyed.Select(r => others[r.Index]).Zip(rekeyed))
        {
            // The key only: not a change anyone made to the card, so its version stays.
            var card = Track(board, entityType, known)!;
            card.Position = change.ToPosition;
        }
        board.Append(
            new StageRebalanced(stage, rekeyed),
            new CardMove
            {
                Id = Guid.CreateVersion7(board.Now),
                EventType = BoardEventTypes.StageRebalanced,
                EntityType = entityType,
                EntityId = others[placement.Rekeyed[0].Index].Id,
                ToStage = stage,
                UserId = board.Actor.UserId,
                Metadata = BoardLog.RebalanceMetadata(board.Source, causedBy, rekeyed),
                CreatedAt = board.Now,
            });
        return placement.Key;
    }

    internal static async Task<LastMove?> DescribeLastMoveAsync(KanbanDbContext db, Card card, IReadOnlyList<Stage> stages, CancellationToken ct)
    {
        var last = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == card.EntityType && m.EntityId == card.Id && m.EventType == BoardEventTypes.CardMoved)
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

using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Consistency;
using KanbanBlazor.Core.Ordering;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>One correction a repair made: the card, what was wrong, and where it went.</summary>
public sealed record Repair(Guid CardId, DriftKind Drift, string FromStage, string ToStage, string Position, long Sequence);

/// <param name="Unrepaired">drift a repair cannot fix (a gap or repeat in the append-only log)</param>
public sealed record RepairResult(IReadOnlyList<Repair> Repairs, IReadOnlyList<Drift> Unrepaired, bool NotPermitted = false, bool NoBoard = false);

/// <summary>
/// Puts a board back in line with its event log (Admins only), through the board transaction so that
/// nobody writes in between: a card not where its latest logged move put it goes there; cards sharing
/// an ordering key get keys of their own. Every correction is itself a logged move (kind "repair"),
/// published like any other, so the audit trail says what was repaired, by whom, and live boards follow.
/// </summary>
public sealed class RepairBoard(BoardTransaction transaction)
{
    public async Task<RepairResult> ExecuteAsync(CurrentTenant tenant, string entityType, Guid originId, string source, CancellationToken ct)
    {
        var outcome = await transaction.ExecuteAsync(tenant, entityType, originId, source, board => RepairAsync(board, entityType, ct), ct);
        if (outcome.IsNotMember) return new RepairResult([], [], NotPermitted: true);
        if (outcome.IsNoBoard) return new RepairResult([], [], NoBoard: true);
        // One event per repair, in order: each repair gets its sequence number.
        return outcome.Result! with { Repairs = outcome.Result.Repairs.Zip(outcome.Events, (r, e) => r with { Sequence = e.Sequence }).ToList() };
    }

    private static async Task<RepairResult> RepairAsync(BoardWrite board, string entityType, CancellationToken ct)
    {
        if (board.Actor.Role != TenantRole.Admin) return new RepairResult([], [], NotPermitted: true);
        var db = board.Db;
        var cards = await db.Cards.Where(c => c.EntityType == entityType).ToDictionaryAsync(c => c.Id, ct);
        var log = await BoardLog.PlacementsAsync(db, entityType, ct);
        var drift = BoardConsistency.Check(board.Config.Sequence, cards.Values.Select(c => new StoredCard(c.Id, c.Stage, c.Position)).ToList(), log);
        var repairs = new List<Repair>();

        // Back where the log says: where the latest snapshot replayed through the log puts the card
        // (when the board has a snapshot), else where its latest logged move put it; at that key unless
        // another card holds it (then right after it).
        var targets = new Dictionary<Guid, (string Stage, string? Position, DriftKind Kind)>();
        if (await BoardSnapshots.ReplayLatestAsync(db, entityType, ct) is { } replay)
        {
            foreach (var card in cards.Values)
                if (replay.Board.Find(card.Id) is { } replayed && (replayed.Stage, replayed.Position) != (card.Stage, card.Position))
                    targets[card.Id] = (replayed.Stage, replayed.Position, DriftKind.ReplayDrift);
        }
        foreach (var misplaced in drift.Where(d => d.Kind is DriftKind.StageDrift or DriftKind.PositionDrift && !targets.ContainsKey(d.CardId!.Value)))
        {
            var latest = BoardConsistency.Placements(log).Where(e => e.CardId == misplaced.CardId).MaxBy(e => e.Sequence)!;
            targets[misplaced.CardId!.Value] = (latest.ToStage, latest.ToPosition, misplaced.Kind);
        }
        foreach (var (cardId, target) in targets)
        {
            var card = cards[cardId];
            if (board.Rules.Stage(target.Stage) is null) continue; // a stage that is gone: nothing to put it back into
            var position = FreeKey(cards.Values, target.Stage, target.Position ?? card.Position, card.Id);
            repairs.Add(Move(board, entityType, card, target.Stage, position, target.Kind));
        }
        // Cards sharing a key: the first (by id) keeps it, each other gets the next free key after it.
        foreach (var clash in cards.Values.GroupBy(c => (c.Stage, c.Position)).Where(g => g.Count() > 1).ToList())
        {
            foreach (var card in clash.OrderBy(c => c.Id).Skip(1))
                repairs.Add(Move(board, entityType, card, card.Stage, FreeKey(cards.Values, card.Stage, card.Position, card.Id), DriftKind.DuplicatePosition));
        }
        var unrepaired = drift.Where(d => d.Kind is DriftKind.MissingSequence or DriftKind.UnexpectedSequence).ToList();
        return new RepairResult(repairs, unrepaired);
    }

    /// <summary><paramref name="wanted"/> if no other card of the stage holds it, else the first key after it that none does.</summary>
    private static string FreeKey(IEnumerable<Card> cards, string stage, string wanted, Guid cardId)
    {
        var taken = cards.Where(c => c.Stage == stage && c.Id != cardId).Select(c => c.Position).ToHashSet(StringComparer.Ordinal);
        var key = wanted;
        while (taken.Contains(key))
        {
            var next = taken.Where(p => string.CompareOrdinal(p, key) > 0).Min(StringComparer.Ordinal);
            key = OrderingKey.Between(key, next);
        }
        return key;
    }

    private static Repair Move(BoardWrite board, string entityType, Card card, string toStage, string position, DriftKind kind)
    {
        // A repair is no activity on the card: its last activity stays what people did.
        var (fromStage, fromPosition) = MoveCard.Relocate(board, card, toStage, position, isActivity: false);
        var moveId = Guid.CreateVersion7(board.Now);
        board.Append(new CardMoved(moveId, card.Id, fromStage, toStage, position, card.Version), new CardMove
        {
            Id = moveId,
            Kind = MoveKinds.Repair,
            EntityType = entityType,
            EntityId = card.Id,
            FromStage = fromStage,
            FromPosition = fromPosition,
            ToStage = toStage,
            ToPosition = position,
            UserId = board.Actor.UserId,
            Reason = $"Consistency repair: {kind}",
            Metadata = JsonSerializer.Serialize(new { source = board.Source, validation = "repair", drift = kind.ToString(), card_version = card.Version }),
            CreatedAt = board.Now,
        });
        return new Repair(card.Id, kind, fromStage, toStage, position, 0);
    }
}

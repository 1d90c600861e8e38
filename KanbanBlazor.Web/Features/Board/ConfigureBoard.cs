using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Ordering;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>A board's configuration as read and written whole: stages in order with their limits and
/// rules, the allowed transitions (null: any to any) and the work-started stage, at a version.</summary>
public sealed record BoardConfiguration(string EntityType, int Version, IReadOnlyList<BoardStage> Stages,
    IReadOnlyList<StageTransition>? AllowedTransitions, string? WorkStartedStage)
{
    public BoardRules Rules => new(Stages, AllowedTransitions?.ToHashSet(), WorkStartedStage);

    /// <summary>Where the cards of each removed stage go (removed stage key → remaining stage key), moved
    /// to the end of that stage as part of the save; a removed stage that holds cards and has no entry
    /// here refuses the save.</summary>
    public IReadOnlyDictionary<string, string>? MoveCardsTo { get; init; }
}

public enum ConfigureOutcome
{
    Saved,
    NotPermitted,
    NoBoard,
    Stale,
    Invalid,
    StageNotEmpty,
}

/// <param name="Version">the configuration's version after saving (or, when stale, as it is now)</param>
/// <param name="NonEmptyStages">stages the proposal removes that still hold cards, with their counts</param>
/// <param name="Current">when stale: the configuration as it is now, to compare with the one read</param>
/// <param name="ChangedBy">when stale: who saved the configuration last, and when</param>
public sealed record ConfigureResult(ConfigureOutcome Outcome, int Version = 0, IReadOnlyList<ConfigProblem>? Problems = null,
    IReadOnlyDictionary<string, int>? NonEmptyStages = null, long Sequence = 0, BoardConfiguration? Current = null,
    string? ChangedBy = null, DateTimeOffset? ChangedAt = null, int MovedCards = 0);

/// <summary>
/// Reads and saves a board's configuration (Admins only), through the board transaction: the version
/// the Admin read is checked under the board lock (a stale save is refused, never merged), the
/// proposal is checked in Core, a stage that still holds cards cannot be removed, and the save is
/// a <see cref="BoardConfigured"/> event in the log (with the whole configuration in its metadata)
/// that every open board applies at once.
/// </summary>
public sealed class ConfigureBoard(BoardTransaction transaction, IDbContextFactory<KanbanDbContext> factory)
{
    public async Task<BoardConfiguration?> ReadAsync(CurrentTenant tenant, string entityType, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        var config = await db.BoardConfigs.AsNoTracking().Include(c => c.Stages).SingleOrDefaultAsync(c => c.EntityType == entityType, ct);
        return config is null ? null : ToConfiguration(config, config.Stages);
    }

    /// <summary>How many cards each stage of the board holds now.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CardCountsAsync(CurrentTenant tenant, string entityType, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(tenant.TenantId, ct);
        return await db.Cards.Where(c => c.EntityType == entityType).GroupBy(c => c.Stage)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
    }

    public async Task<ConfigureResult> SaveAsync(CurrentTenant tenant, BoardConfiguration proposed, Guid originId, string source, CancellationToken ct)
    {
        var outcome = await transaction.ExecuteAsync(tenant, proposed.EntityType, originId, source, board => SaveAsync(board, proposed, ct), ct);
        return outcome.IsNotMember ? new ConfigureResult(ConfigureOutcome.NotPermitted)
            : outcome.IsNoBoard ? new ConfigureResult(ConfigureOutcome.NoBoard)
            : outcome.Result! with { Sequence = outcome.Events.Count > 0 ? outcome.Events[^1].Sequence : 0 };
    }

    private static async Task<ConfigureResult> SaveAsync(BoardWrite board, BoardConfiguration proposed, CancellationToken ct)
    {
        if (board.Actor.Role != TenantRole.Admin) return new ConfigureResult(ConfigureOutcome.NotPermitted);
        var config = board.Config;
        var db = board.Db;
        if (config.Version != proposed.Version)
        {
            var (by, at) = await LastChangeAsync(db, proposed.EntityType, ct);
            return new ConfigureResult(ConfigureOutcome.Stale, config.Version, Current: ToConfiguration(config, board.Stages), ChangedBy: by, ChangedAt: at);
        }
        var problems = BoardConfigCheck.Validate(proposed.Rules).ToList();
        var keys = proposed.Stages.Select(s => s.Key).ToHashSet();
        var removed = board.Stages.Where(s => !keys.Contains(s.Key)).Select(s => s.Key).ToList();
        foreach (var (from, to) in proposed.MoveCardsTo ?? new Dictionary<string, string>())
        {
            if (!removed.Contains(from))
                problems.Add(new("moveCardsTo", $"'{from}' is not a stage this change removes.", "not_removed", from));
            else if (!keys.Contains(to))
                problems.Add(new("moveCardsTo", $"The cards of '{from}' can only go to a stage the board keeps, not '{to}'.", "unknown_stage", to));
        }
        if (problems.Count > 0) return new ConfigureResult(ConfigureOutcome.Invalid, config.Version, problems);

        // The board writer's copy of the board is current under the lock: it says which stages hold cards.
        var holding = removed.Select(key => (key, Count: board.Snapshot.CardsIn(key).Count)).Where(h => h.Count > 0).ToList();
        var homeless = holding.Where(h => proposed.MoveCardsTo?.ContainsKey(h.key) != true).ToDictionary(h => h.key, h => h.Count);
        if (homeless.Count > 0) return new ConfigureResult(ConfigureOutcome.StageNotEmpty, config.Version, NonEmptyStages: homeless);
        var moved = 0;
        foreach (var (key, _) in holding) moved += MoveCardsOut(board, proposed.EntityType, key, proposed.MoveCardsTo![key]);

        var stored = await db.Stages.Where(s => s.BoardConfigId == config.Id).ToDictionaryAsync(s => s.Key, ct);
        for (var i = 0; i < proposed.Stages.Count; i++)
        {
            var wanted = proposed.Stages[i];
            if (!stored.TryGetValue(wanted.Key, out var stage))
            {
                stage = new Stage { Id = Guid.CreateVersion7(board.Now), BoardConfigId = config.Id, Key = wanted.Key, Name = "", Outcome = "" };
                db.Stages.Add(stage);
            }
            stage.Name = wanted.Name.Trim();
            stage.Position = i;
            stage.Outcome = wanted.Outcome.ToString();
            stage.WipSoftLimit = wanted.WipSoftLimit;
            stage.WipHardLimit = wanted.WipHardLimit;
            stage.RequiresReason = wanted.RequiresReason;
        }
        foreach (var key in removed) db.Stages.Remove(stored[key]);

        config.Version++;
        config.AllowedTransitions = proposed.AllowedTransitions is null
            ? null
            : JsonSerializer.Serialize(proposed.AllowedTransitions.Select(t => new[] { t.From, t.To }));
        config.WorkStartedStage = proposed.WorkStartedStage;
        var stages = proposed.Stages.Select(s => s with { Name = s.Name.Trim() }).ToList();
        board.Append(new BoardConfigured(stages), new CardMove
        {
            Id = Guid.CreateVersion7(board.Now),
            EventType = BoardEventTypes.BoardConfigured,
            EntityType = proposed.EntityType,
            EntityId = config.Id,
            ToStage = "",
            UserId = board.Actor.UserId,
            Metadata = JsonSerializer.Serialize(new
            {
                source = board.Source,
                version = config.Version,
                stages = stages.Select(s => new { id = s.Key, name = s.Name, outcome = s.Outcome.ToString(), wip_soft_limit = s.WipSoftLimit, wip_hard_limit = s.WipHardLimit, requires_reason = s.RequiresReason }),
                allowed_transitions = proposed.AllowedTransitions?.Select(t => new[] { t.From, t.To }),
                work_started_stage = proposed.WorkStartedStage,
                removed_stages = removed,
                moved_cards = moved,
            }),
            CreatedAt = board.Now,
        });
        return new ConfigureResult(ConfigureOutcome.Saved, config.Version, MovedCards: moved);
    }

    /// <summary>
    /// Moves every card of a stage being removed to the end of <paramref name="toStage"/>, in their
    /// order, each as a logged move (so the log, replay, metrics and open boards see where they went):
    /// the Admin's decision, not a rep's, so limits and transitions do not apply and the cards'
    /// last activity stays. Keys follow the target's last card; when there is no room left there,
    /// the target's own cards are first given new keys (one <see cref="StageRebalanced"/>).
    /// </summary>
    private static int MoveCardsOut(BoardWrite board, string entityType, string fromStage, string toStage)
    {
        var leaving = board.Snapshot.CardsIn(fromStage).ToList();
        var staying = board.Snapshot.CardsIn(toStage).ToList();
        var keys = OrderingKey.SpreadBetween(staying.LastOrDefault()?.Position, null, leaving.Count, OrderingKey.MaxLength);
        if (keys is null)
        {
            var spread = OrderingKey.Spread(staying.Count + leaving.Count);
            var rekeyed = staying.Select((c, i) => new CardRekeyed(c.Id, c.Position, spread[i])).ToList();
            foreach (var (known, change) in staying.Zip(rekeyed)) MoveCard.Track(board, entityType, known)!.Position = change.ToPosition;
            board.Append(new StageRebalanced(toStage, rekeyed), new CardMove
            {
                Id = Guid.CreateVersion7(board.Now),
                EventType = BoardEventTypes.StageRebalanced,
                EntityType = entityType,
                EntityId = staying[0].Id,
                ToStage = toStage,
                UserId = board.Actor.UserId,
                Metadata = BoardLog.RebalanceMetadata(board.Source, null, rekeyed),
                CreatedAt = board.Now,
            });
            keys = spread.Skip(staying.Count).ToList();
        }
        for (var i = 0; i < leaving.Count; i++)
        {
            var card = MoveCard.Track(board, entityType, leaving[i])!;
            var moveId = Guid.CreateVersion7(board.Now);
            var (from, fromPosition) = MoveCard.Relocate(board, card, toStage, keys[i], isActivity: false);
            board.Append(new CardMoved(moveId, card.Id, from, toStage, keys[i], card.Version), new CardMove
            {
                Id = moveId,
                EntityType = entityType,
                EntityId = card.Id,
                FromStage = from,
                ToStage = toStage,
                ToPosition = keys[i],
                FromPosition = fromPosition,
                UserId = board.Actor.UserId,
                Metadata = JsonSerializer.Serialize(new { source = board.Source, stage_removed = fromStage, card_version = card.Version }),
                CreatedAt = board.Now,
            });
        }
        return leaving.Count;
    }

    /// <summary>Who saved the board's configuration last, and when (nobody: as the board was created).</summary>
    private static async Task<(string? By, DateTimeOffset? At)> LastChangeAsync(KanbanDbContext db, string entityType, CancellationToken ct)
    {
        var last = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == entityType && m.EventType == BoardEventTypes.BoardConfigured)
            .OrderByDescending(m => m.Sequence).Select(m => new { m.UserId, m.CreatedAt }).FirstOrDefaultAsync(ct);
        if (last is null) return (null, null);
        var name = last.UserId is { } id
            ? await db.Members.AsNoTracking().Where(m => m.UserId == id).Select(m => m.DisplayName).FirstOrDefaultAsync(ct)
            : null;
        return (name, last.CreatedAt);
    }

    internal static BoardConfiguration ToConfiguration(BoardConfig config, IEnumerable<Stage> stages) => new(
        config.EntityType,
        config.Version,
        stages.OrderBy(s => s.Position).Select(LoadBoard.ToBoardStage).ToList(),
        config.AllowedTransitions is { Length: > 0 } json
            ? JsonSerializer.Deserialize<string[][]>(json)!.Select(pair => new StageTransition(pair[0], pair[1])).ToList()
            : null,
        config.WorkStartedStage);
}

using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
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
public sealed record ConfigureResult(ConfigureOutcome Outcome, int Version = 0, IReadOnlyList<ConfigProblem>? Problems = null,
    IReadOnlyDictionary<string, int>? NonEmptyStages = null, long Sequence = 0);

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
        if (config.Version != proposed.Version) return new ConfigureResult(ConfigureOutcome.Stale, config.Version);
        var problems = BoardConfigCheck.Validate(proposed.Rules);
        if (problems.Count > 0) return new ConfigureResult(ConfigureOutcome.Invalid, config.Version, problems);

        var db = board.Db;
        var keys = proposed.Stages.Select(s => s.Key).ToHashSet();
        var removed = board.Stages.Where(s => !keys.Contains(s.Key)).Select(s => s.Key).ToList();
        if (removed.Count > 0)
        {
            var holding = await db.Cards.Where(c => c.EntityType == proposed.EntityType && removed.Contains(c.Stage))
                .GroupBy(c => c.Stage).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
            if (holding.Count > 0) return new ConfigureResult(ConfigureOutcome.StageNotEmpty, config.Version, NonEmptyStages: holding);
        }

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
            }),
            CreatedAt = board.Now,
        });
        return new ConfigureResult(ConfigureOutcome.Saved, config.Version);
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

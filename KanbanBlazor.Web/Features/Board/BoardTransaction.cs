using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// The one way a board changes. Every write use case runs inside it: it opens the tenant's context,
/// re-reads the actor's membership (a removal or demotion applies to the very next write), locks the
/// board's configuration row (writes to one board commit one at a time), hands the use case the
/// board and its stages, numbers the events the use case appends with the board's next sequence
/// numbers, saves and commits them with the use case's row changes, and only then publishes them to
/// the board's viewers. It is the only caller of <see cref="BoardHub.Publish"/>. A use case that
/// appends nothing (a refusal) writes nothing: the transaction is rolled back, no number is used.
/// </summary>
public sealed class BoardTransaction(IDbContextFactory<KanbanDbContext> factory, BoardHub hub, TimeProvider clock, SnapshotScheduler? snapshots = null)
{
    public async Task<BoardWriteOutcome<T>> ExecuteAsync<T>(CurrentTenant actor, string entityType, Guid originId, string source,
        Func<BoardWrite, Task<T>> write, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(actor.TenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        var role = await db.Members.AsNoTracking().Where(m => m.UserId == actor.UserId).Select(m => m.Role).FirstOrDefaultAsync(ct);
        if (!TenantRoles.TryParse(role, out var currentRole)) return BoardWriteOutcome<T>.NotMember;

        // Locks the board: writes to it commit one at a time, each taking the next sequence numbers.
        var config = await db.BoardConfigs
            .FromSql($"SELECT * FROM kanban_configs WHERE tenant_id = {actor.TenantId} AND entity_type = {entityType} FOR UPDATE")
            .SingleOrDefaultAsync(ct);
        if (config is null) return BoardWriteOutcome<T>.NoBoard;
        var stages = await db.Stages.AsNoTracking().Where(s => s.BoardConfigId == config.Id).OrderBy(s => s.Position).ToListAsync(ct);

        var board = new BoardWrite(db, actor with { Role = currentRole }, config, stages, clock.GetUtcNow(), source);
        var result = await write(board);
        if (board.Appended.Count == 0) return new BoardWriteOutcome<T>(result, []); // disposing rolls back

        var events = new List<SequencedEvent>();
        foreach (var (change, row) in board.Appended)
        {
            config.Sequence++;
            events.Add(new SequencedEvent(config.Sequence, change));
            if (row is not null)
            {
                row.Sequence = config.Sequence;
                db.Moves.Add(row);
            }
        }
        config.UpdatedAt = board.Now;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        foreach (var committed in events) hub.Publish(new BoardChange(actor.TenantId, entityType, committed.Sequence, committed.Event, originId));
        snapshots?.Committed(actor.TenantId, entityType, events[0].Sequence, events[^1].Sequence);
        return new BoardWriteOutcome<T>(result, events);
    }
}

/// <summary>What a use case works with inside <see cref="BoardTransaction"/>.</summary>
public sealed class BoardWrite(KanbanDbContext db, CurrentTenant actor, BoardConfig config, IReadOnlyList<Stage> stages, DateTimeOffset now, string source)
{
    private readonly List<(BoardEvent Event, CardMove? Row)> appended = [];

    public KanbanDbContext Db { get; } = db;
    /// <summary>The actor, with their role as it is now.</summary>
    public CurrentTenant Actor { get; } = actor;
    public BoardConfig Config { get; } = config;
    /// <summary>The board's stages, in order.</summary>
    public IReadOnlyList<Stage> Stages { get; } = stages;
    public DateTimeOffset Now { get; } = now;
    /// <summary>Where the change came from: board, keyboard, menu, api, …</summary>
    public string Source { get; } = source;

    /// <summary>The board's rules, as configured now.</summary>
    public BoardRules Rules { get; } = ConfigureBoard.ToConfiguration(config, stages).Rules;

    internal IReadOnlyList<(BoardEvent Event, CardMove? Row)> Appended => appended;

    /// <summary>Appends an event (its log row, when it has one, gets the event's sequence number).</summary>
    public void Append(BoardEvent change, CardMove? row = null) =>
        appended.Add((change with { ActorId = Actor.UserId, ActorName = Actor.UserDisplayName, At = Now }, row));
}

public sealed record BoardWriteOutcome<T>(T? Result, IReadOnlyList<SequencedEvent> Events, bool IsNotMember = false, bool IsNoBoard = false)
{
    public static BoardWriteOutcome<T> NotMember => new(default, [], IsNotMember: true);
    public static BoardWriteOutcome<T> NoBoard => new(default, [], IsNoBoard: true);
}

using System.Collections.Concurrent;
using KanbanBlazor.Core.Boards;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// The latest board of each (tenant, board) this instance has read or written, one immutable
/// <see cref="BoardSnapshot"/> shared by every viewer of it: the writer offers its copy after each
/// commit (and each published change carries the board after it), and a viewer opening the board takes
/// this one instead of reading every card, when the board's sequence in the database says it is current.
/// Boards nobody has read or written for <see cref="IdleAfter"/> are let go.
/// </summary>
public sealed class SharedBoards(TimeProvider clock)
{
    public static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(10);

    private sealed record Entry(BoardSnapshot Board, long LastUsed);

    private readonly ConcurrentDictionary<(Guid TenantId, string EntityType), Entry> boards = new();
    private long lastSweep;

    /// <summary>The shared board, if it is the one at <paramref name="sequence"/>.</summary>
    public BoardSnapshot? At(Guid tenantId, string entityType, long sequence)
    {
        if (!boards.TryGetValue((tenantId, entityType), out var entry) || entry.Board.Sequence != sequence) return null;
        boards.TryUpdate((tenantId, entityType), entry with { LastUsed = clock.GetTimestamp() }, entry);
        return entry.Board;
    }

    /// <summary>Keeps <paramref name="board"/> as the shared one, unless a later one is already kept.</summary>
    public void Offer(Guid tenantId, BoardSnapshot board)
    {
        var now = clock.GetTimestamp();
        boards.AddOrUpdate((tenantId, board.EntityType), _ => new Entry(board, now),
            (_, kept) => board.Sequence >= kept.Board.Sequence ? new Entry(board, now) : kept with { LastUsed = now });
        Sweep(now);
    }

    /// <summary>Boards kept now.</summary>
    public int Count => boards.Count;

    private void Sweep(long now)
    {
        var last = Interlocked.Read(ref lastSweep);
        if (clock.GetElapsedTime(last, now) < TimeSpan.FromMinutes(1) || Interlocked.CompareExchange(ref lastSweep, now, last) != last) return;
        foreach (var (key, entry) in boards)
        {
            if (clock.GetElapsedTime(entry.LastUsed, now) > IdleAfter) boards.TryRemove(new KeyValuePair<(Guid, string), Entry>(key, entry));
        }
    }
}

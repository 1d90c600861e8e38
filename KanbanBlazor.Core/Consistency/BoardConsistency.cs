namespace KanbanBlazor.Core.Consistency;

/// <summary>A card as stored now.</summary>
public sealed record StoredCard(Guid Id, string Stage, string Position, int Version = 0);

/// <summary>An entry of the board's event log: a move (with where it put the card), a rebalance (with the
/// new keys it gave the cards of <see cref="ToStage"/>: <see cref="Rekeyed"/>) or another event.</summary>
public sealed record LoggedEvent(long Sequence, string EventType, Guid CardId, string ToStage, string? ToPosition,
    IReadOnlyList<Boards.CardRekeyed>? Rekeyed = null);

public enum DriftKind
{
    /// <summary>A sequence number between 1 and the board's is missing from the log.</summary>
    MissingSequence,
    /// <summary>A sequence number is in the log twice, or beyond the board's.</summary>
    UnexpectedSequence,
    /// <summary>A card is not in the stage its latest logged move put it in.</summary>
    StageDrift,
    /// <summary>A card is not at the ordering key its latest logged move gave it.</summary>
    PositionDrift,
    /// <summary>Two cards of a stage share an ordering key.</summary>
    DuplicatePosition,
    /// <summary>Replaying the log from a snapshot does not give the stored board.</summary>
    ReplayDrift,
}

public sealed record Drift(DriftKind Kind, string Detail, Guid? CardId = null, long? Sequence = null);

/// <summary>
/// Checks a board against its own event log: every sequence number from 1 to the board's appears
/// once, each card is where its latest logged move put it, and no two cards of a stage share an
/// ordering key. Pure: the caller reads the rows (in one snapshot) and decides what to do with drift.
/// </summary>
public static class BoardConsistency
{
    public const string MoveEvent = "CardMoved";
    public const string RebalanceEvent = "StageRebalanced";
    public const string CreateEvent = "CardCreated";

    public static IReadOnlyList<Drift> Check(long boardSequence, IReadOnlyCollection<StoredCard> cards, IReadOnlyCollection<LoggedEvent> log)
    {
        var drift = new List<Drift>();
        var seen = new HashSet<long>();
        foreach (var entry in log)
        {
            if (entry.Sequence < 1 || entry.Sequence > boardSequence || !seen.Add(entry.Sequence))
                drift.Add(new Drift(DriftKind.UnexpectedSequence, $"Sequence {entry.Sequence} is logged twice or beyond the board's {boardSequence}.", entry.CardId, entry.Sequence));
        }
        for (var sequence = 1L; sequence <= boardSequence; sequence++)
        {
            if (!seen.Contains(sequence)) drift.Add(new Drift(DriftKind.MissingSequence, $"Sequence {sequence} is missing from the log.", Sequence: sequence));
        }

        var byId = cards.ToDictionary(c => c.Id);
        foreach (var latest in Placements(log).GroupBy(e => e.CardId).Select(g => g.MaxBy(e => e.Sequence)!))
        {
            if (!byId.TryGetValue(latest.CardId, out var card)) continue; // deleted cards are the deletion's business
            if (card.Stage != latest.ToStage)
                drift.Add(new Drift(DriftKind.StageDrift, $"Card {card.Id} is in '{card.Stage}'; its latest move (sequence {latest.Sequence}) put it in '{latest.ToStage}'.", card.Id, latest.Sequence));
            else if (latest.ToPosition is { } position && card.Position != position)
                drift.Add(new Drift(DriftKind.PositionDrift, $"Card {card.Id} is at '{card.Position}'; its latest move (sequence {latest.Sequence}) put it at '{position}'.", card.Id, latest.Sequence));
        }
        foreach (var clash in cards.GroupBy(c => (c.Stage, c.Position)).Where(g => g.Count() > 1))
            drift.Add(new Drift(DriftKind.DuplicatePosition, $"{clash.Count()} cards of '{clash.Key.Stage}' share the key '{clash.Key.Position}'.", clash.First().Id));
        return drift;
    }

    /// <summary>Where each logged event put a card: a move or a creation puts one in a stage at a key; a rebalance gives
    /// each card of its window a new key in the same stage.</summary>
    public static IEnumerable<LoggedEvent> Placements(IEnumerable<LoggedEvent> log) => log.SelectMany(e => e.EventType switch
    {
        MoveEvent or CreateEvent => [e],
        RebalanceEvent => (e.Rekeyed ?? []).Select(r => new LoggedEvent(e.Sequence, MoveEvent, r.CardId, e.ToStage, r.ToPosition)),
        _ => Enumerable.Empty<LoggedEvent>(),
    });

    /// <summary>The board replayed from a snapshot through the log (<see cref="Boards.BoardProjection.Replay"/>)
    /// against the board as stored: every card in the same stage, at the same key and version, and no card
    /// on one side only.</summary>
    public static IReadOnlyList<Drift> CompareReplay(Boards.BoardSnapshot replayed, IReadOnlyCollection<StoredCard> stored)
    {
        var drift = new List<Drift>();
        var expected = replayed.AllCards.ToDictionary(c => c.Id);
        foreach (var card in stored)
        {
            if (!expected.Remove(card.Id, out var replay))
                drift.Add(new Drift(DriftKind.ReplayDrift, $"Card {card.Id} is on the board but not in the replayed log.", card.Id));
            else if ((replay.Stage, replay.Position, replay.Version) != (card.Stage, card.Position, card.Version))
                drift.Add(new Drift(DriftKind.ReplayDrift,
                    $"Card {card.Id} is in '{card.Stage}' at '{card.Position}' (version {card.Version}); the replayed log has it in '{replay.Stage}' at '{replay.Position}' (version {replay.Version}).",
                    card.Id));
        }
        foreach (var missing in expected.Values)
            drift.Add(new Drift(DriftKind.ReplayDrift, $"Card {missing.Id} is in the replayed log but not on the board.", missing.Id));
        return drift;
    }
}

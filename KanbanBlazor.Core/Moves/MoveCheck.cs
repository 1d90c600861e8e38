using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;

namespace KanbanBlazor.Core.Moves;

/// <summary>What the mover asked for: the card, the version of it they saw when they picked it up
/// (and, when known, the stage it was in then), and where it should go: the index in the target stage
/// as they saw it and, when they dropped it below another card, that card. The card it follows wins
/// over the index when the stage has changed meanwhile. <see cref="Reason"/>: why (needed to enter some
/// stages, and to override a hard WIP limit, which <see cref="WipOverride"/> asks for).</summary>
public sealed record MoveRequest(Guid CardId, int ExpectedVersion, string ToStage, int ToIndex, Guid? AfterCardId = null, string? FromStage = null,
    string? Reason = null, bool WipOverride = false)
{
    public const int MaxReasonLength = 500;
}

/// <summary>The card as it is stored now.</summary>
public sealed record CardState(Guid Id, string Stage, int Version, Guid? OwnerId);

/// <summary>The last recorded move of a card, used to tell a stale mover what happened: who, to which
/// stage (its name as stored, and its key), and when.</summary>
public sealed record LastMove(string MovedBy, string ToStageName, DateTimeOffset At, string? ToStage = null);

public enum MoveRefusal
{
    NotPermitted,
    BoardNotFound,
    CardNotFound,
    UnknownStage,
    StaleVersion,
    InvalidPosition,
    TransitionNotAllowed,
    ReasonRequired,
    WipHardLimit,
    ReasonTooLong,
    NothingToUndo,
}

/// <summary>Whether a move may happen; when not, why (for code and for people: <see cref="Message"/> is
/// English, the UI words it in the user's language from <see cref="Refusal"/>, <see cref="LastMove"/> and
/// <see cref="Wip"/>). An allowed move may come with a WIP warning (<see cref="Wip"/> at or past the soft
/// limit) or be a recorded override of the hard limit (<see cref="WipOverridden"/>).</summary>
public sealed record MoveDecision(MoveRefusal? Refusal, string? Message, LastMove? LastMove = null, WipStatus? Wip = null, bool WipOverridden = false)
{
    public static readonly MoveDecision Allowed = new(null, null);

    public bool IsAllowed => Refusal is null;

    /// <summary>Allowed, and the target stage is at or past its soft limit after the move.</summary>
    public bool WarnsOfWip => IsAllowed && Wip is { AtSoftLimit: true };

    /// <summary>For a stale mover: the card's version as stored now.</summary>
    public int? CurrentVersion { get; init; }

    public static MoveDecision Refuse(MoveRefusal refusal, string message, LastMove? lastMove = null, WipStatus? wip = null) => new(refusal, message, lastMove, wip);
}

/// <summary>The checks every card move passes before anything is written.</summary>
public static class MoveCheck
{
    /// <summary>A move on a board with these stages and no other rules.</summary>
    public static MoveDecision Decide(MoveRequest request, CardState? card, IReadOnlyCollection<string> stageKeys, TenantRole role, Guid userId, LastMove? lastMove = null) =>
        Decide(request, card, BoardRules.AnyToAny(stageKeys), 0, role, userId, lastMove);

    /// <param name="cardsInTarget">the cards in the target stage now, not counting the moved card</param>
    public static MoveDecision Decide(
        MoveRequest request,
        CardState? card,
        BoardRules rules,
        int cardsInTarget,
        TenantRole role,
        Guid userId,
        LastMove? lastMove = null)
    {
        if (!BoardPermissions.CanMoveSomeCards(role))
            return MoveDecision.Refuse(MoveRefusal.NotPermitted, "Your role can view this board but not move cards.");
        if (card is null)
            return MoveDecision.Refuse(MoveRefusal.CardNotFound, "That card no longer exists on this board.");
        if (!BoardPermissions.CanMoveCard(role, userId, card.OwnerId))
            return MoveDecision.Refuse(MoveRefusal.NotPermitted, "Sales reps can move only the cards they own.");
        if (rules.Stage(request.ToStage) is not { } target)
            return MoveDecision.Refuse(MoveRefusal.UnknownStage, $"The stage '{request.ToStage}' does not exist on this board.");
        if (request.ToIndex < 0)
            return MoveDecision.Refuse(MoveRefusal.InvalidPosition, "The position in the stage must not be negative.");
        // The version the mover saw when they picked the card up; a drag that began in another stage
        // than the card is in now was made from an out-of-date view, whatever the version says.
        if (card.Version != request.ExpectedVersion || (request.FromStage is not null && request.FromStage != card.Stage))
            return MoveDecision.Refuse(MoveRefusal.StaleVersion, StaleMessage(lastMove), lastMove) with { CurrentVersion = card.Version };
        if (request.Reason is { Length: > MoveRequest.MaxReasonLength })
            return MoveDecision.Refuse(MoveRefusal.ReasonTooLong, $"The reason may be at most {MoveRequest.MaxReasonLength} characters.");
        if (card.Stage == target.Key) return MoveDecision.Allowed; // reordering within a stage: no limit or rule applies

        if (!rules.Allows(card.Stage, target.Key))
            return MoveDecision.Refuse(MoveRefusal.TransitionNotAllowed, $"Cards cannot move from '{card.Stage}' to '{target.Key}' on this board.");
        var hasReason = !string.IsNullOrWhiteSpace(request.Reason);
        if (target.RequiresReason && !hasReason)
            return MoveDecision.Refuse(MoveRefusal.ReasonRequired, $"Moving a card to '{target.Name}' needs a reason.");

        var wip = new WipStatus(target.Key, cardsInTarget + 1, target.WipSoftLimit, target.WipHardLimit);
        if (target.WipHardLimit is { } hard && cardsInTarget >= hard)
        {
            if (!request.WipOverride || !BoardPermissions.CanOverrideWip(role))
                return MoveDecision.Refuse(MoveRefusal.WipHardLimit, $"'{target.Name}' is at its limit of {hard} cards.", wip: wip with { Count = cardsInTarget });
            if (!hasReason)
                return MoveDecision.Refuse(MoveRefusal.ReasonRequired, $"Going past the limit of '{target.Name}' needs a reason.", wip: wip with { Count = cardsInTarget });
            return new MoveDecision(null, null, Wip: wip, WipOverridden: true);
        }
        return new MoveDecision(null, null, Wip: wip);
    }

    private static string StaleMessage(LastMove? lastMove) => lastMove is null
        ? "Someone changed this card after you loaded the board. The board has been refreshed."
        : $"{lastMove.MovedBy} moved this card to {lastMove.ToStageName} at {lastMove.At:HH:mm:ss} UTC, after you loaded the board. The board has been refreshed.";
}

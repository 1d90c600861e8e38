using KanbanBlazor.Core.Access;

namespace KanbanBlazor.Core.Moves;

/// <summary>What the mover asked for: the card, the version of it they saw when they picked it up
/// (and, when known, the stage it was in then), and where it should go: the index in the target stage
/// as they saw it and, when they dropped it below another card, that card. The card it follows wins
/// over the index when the stage has changed meanwhile.</summary>
public sealed record MoveRequest(Guid CardId, int ExpectedVersion, string ToStage, int ToIndex, Guid? AfterCardId = null, string? FromStage = null);

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
}

/// <summary>Whether a move may happen; when not, why (for code and for people: <see cref="Message"/> is
/// English, the UI words it in the user's language from <see cref="Refusal"/> and <see cref="LastMove"/>).</summary>
public sealed record MoveDecision(MoveRefusal? Refusal, string? Message, LastMove? LastMove = null)
{
    public static readonly MoveDecision Allowed = new(null, null);

    public bool IsAllowed => Refusal is null;

    public static MoveDecision Refuse(MoveRefusal refusal, string message, LastMove? lastMove = null) => new(refusal, message, lastMove);
}

/// <summary>The checks every card move passes before anything is written.</summary>
public static class MoveCheck
{
    public static MoveDecision Decide(
        MoveRequest request,
        CardState? card,
        IReadOnlyCollection<string> stageKeys,
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
        if (!stageKeys.Contains(request.ToStage))
            return MoveDecision.Refuse(MoveRefusal.UnknownStage, $"The stage '{request.ToStage}' does not exist on this board.");
        if (request.ToIndex < 0)
            return MoveDecision.Refuse(MoveRefusal.InvalidPosition, "The position in the stage must not be negative.");
        // The version the mover saw when they picked the card up; a drag that began in another stage
        // than the card is in now was made from an out-of-date view, whatever the version says.
        if (card.Version != request.ExpectedVersion || (request.FromStage is not null && request.FromStage != card.Stage))
            return MoveDecision.Refuse(MoveRefusal.StaleVersion, StaleMessage(lastMove), lastMove);
        return MoveDecision.Allowed;
    }

    private static string StaleMessage(LastMove? lastMove) => lastMove is null
        ? "Someone changed this card after you loaded the board. The board has been refreshed."
        : $"{lastMove.MovedBy} moved this card to {lastMove.ToStageName} at {lastMove.At:HH:mm:ss} UTC, after you loaded the board. The board has been refreshed.";
}

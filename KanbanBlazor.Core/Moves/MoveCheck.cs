using KanbanBlazor.Core.Access;

namespace KanbanBlazor.Core.Moves;

/// <summary>What the mover asked for: the card, the version of it they saw, and where it should go:
/// the index in the target stage as they saw it and, when they dropped it below another card, that
/// card. The card it follows wins over the index when the stage has changed meanwhile.</summary>
public sealed record MoveRequest(Guid CardId, int ExpectedVersion, string ToStage, int ToIndex, Guid? AfterCardId = null);

/// <summary>The card as it is stored now.</summary>
public sealed record CardState(Guid Id, string Stage, int Version, Guid? OwnerId);

/// <summary>The last recorded move of a card, used to tell a stale mover what happened.</summary>
public sealed record LastMove(string MovedBy, string ToStageName, DateTimeOffset At);

public enum MoveRefusal
{
    NotPermitted,
    BoardNotFound,
    CardNotFound,
    UnknownStage,
    StaleVersion,
    InvalidPosition,
}

public sealed record MoveDecision(MoveRefusal? Refusal, string? Message)
{
    public static readonly MoveDecision Allowed = new(null, null);

    public bool IsAllowed => Refusal is null;

    public static MoveDecision Refuse(MoveRefusal refusal, string message) => new(refusal, message);
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
        if (card.Version != request.ExpectedVersion)
            return MoveDecision.Refuse(MoveRefusal.StaleVersion, StaleMessage(lastMove));
        return MoveDecision.Allowed;
    }

    private static string StaleMessage(LastMove? lastMove) => lastMove is null
        ? "Someone changed this card after you loaded the board. The board has been refreshed."
        : $"{lastMove.MovedBy} moved this card to {lastMove.ToStageName} at {lastMove.At:HH:mm:ss} UTC, after you loaded the board. The board has been refreshed.";
}

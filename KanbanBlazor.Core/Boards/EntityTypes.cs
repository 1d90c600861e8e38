namespace KanbanBlazor.Core.Boards;

/// <summary>The kinds of record a board can hold; one board per tenant and entity type.</summary>
public static class EntityTypes
{
    public const string Lead = "lead";
    public const string Opportunity = "opportunity";
    public const string Task = "task";
    public const string Customer = "customer";

    public static readonly IReadOnlyList<string> All = [Lead, Opportunity, Task, Customer];

    public static bool IsKnown(string? entityType) => entityType is not null && All.Contains(entityType);

    /// <summary>The stages a new board of this entity type starts with, in order.</summary>
    /// <summary>Where work starts on a new board of the type (cycle time runs from a card's first entry into it).</summary>
    public static string DefaultWorkStarted(string entityType) => entityType switch
    {
        Lead => "contacted",
        Opportunity => "qualification",
        Task => "in_progress",
        _ => "onboarding",
    };

    public static IReadOnlyList<StageDefinition> DefaultStages(string entityType) => entityType switch
    {
        Lead =>
        [
            new("new", "New"), new("contacted", "Contacted"), new("qualified", "Qualified"),
            new("proposal", "Proposal"), new("negotiation", "Negotiation"),
            new("won", "Won", StageOutcome.Won), new("lost", "Lost", StageOutcome.Lost),
        ],
        Opportunity =>
        [
            new("discovery", "Discovery"), new("qualification", "Qualification"), new("proposal", "Proposal"),
            new("negotiation", "Negotiation"), new("closed_won", "Closed won", StageOutcome.Won),
            new("closed_lost", "Closed lost", StageOutcome.Lost),
        ],
        Task =>
        [
            new("backlog", "Backlog"), new("todo", "To do"), new("in_progress", "In progress"),
            new("review", "Review"), new("done", "Done", StageOutcome.Won),
        ],
        Customer =>
        [
            new("onboarding", "Onboarding"), new("active", "Active"), new("at_risk", "At risk"),
            new("churned", "Churned", StageOutcome.Lost),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(entityType), entityType, "Unknown entity type."),
    };
}

/// <summary>Whether reaching a stage finishes the item (for lead and cycle time) and how.</summary>
public enum StageOutcome
{
    Open = 0,
    Won = 1,
    Lost = 2,
}

public sealed record StageDefinition(string Key, string Name, StageOutcome Outcome = StageOutcome.Open);

using System.Globalization;
using System.Net.Mail;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;

namespace KanbanBlazor.Core.Cards;

/// <summary>A customer's health, as its account manager judges it.</summary>
public enum CustomerHealth
{
    Good = 0,
    Fair = 1,
    Poor = 2,
}

/// <summary>
/// A card's fields as a person (or an API client) writes them: the same shape for every entity type,
/// of which each type uses its own fields (<see cref="CardFields.For"/>); the others are left empty.
/// <see cref="Value"/> is a lead's or an opportunity's value and a customer's annual value.
/// </summary>
public sealed record CardDraft
{
    public string Title { get; init; } = "";
    public string? Company { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Source { get; init; }
    public int? Score { get; init; }
    public decimal Value { get; init; }
    public string Currency { get; init; } = "USD";
    public DateOnly? ExpectedCloseOn { get; init; }
    public int? Probability { get; init; }
    public string? Description { get; init; }
    public DateOnly? DueOn { get; init; }
    public Guid? AssigneeId { get; init; }
    public string? Plan { get; init; }
    public CustomerHealth? Health { get; init; }
    public Guid? OwnerId { get; init; }
    public DateTimeOffset? NextActionAt { get; init; }
    public string? NextActionDetails { get; init; }

    /// <summary>The draft as stored: text trimmed (empty is none), the fields its type does not use
    /// emptied, the currency in capitals, the next action's time in UTC (the same instant).</summary>
    public CardDraft Normalized(string entityType)
    {
        var uses = CardFields.For(entityType);
        string? Text(string field, string? value) => uses.Contains(field) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        return new CardDraft
        {
            Title = Title?.Trim() ?? "",
            Company = Text(CardFields.Company, Company),
            Email = Text(CardFields.Email, Email),
            Phone = Text(CardFields.Phone, Phone),
            Source = Text(CardFields.Source, Source),
            Score = uses.Contains(CardFields.Score) ? Score : null,
            Value = uses.Contains(CardFields.Value) ? Value : 0,
            Currency = uses.Contains(CardFields.Currency) && !string.IsNullOrWhiteSpace(Currency) ? Currency.Trim().ToUpperInvariant() : "USD",
            ExpectedCloseOn = uses.Contains(CardFields.ExpectedCloseOn) ? ExpectedCloseOn : null,
            Probability = uses.Contains(CardFields.Probability) ? Probability : null,
            Description = Text(CardFields.Description, Description),
            DueOn = uses.Contains(CardFields.DueOn) ? DueOn : null,
            AssigneeId = uses.Contains(CardFields.AssigneeId) ? AssigneeId : null,
            Plan = Text(CardFields.Plan, Plan),
            Health = uses.Contains(CardFields.Health) ? Health : null,
            OwnerId = OwnerId,
            NextActionAt = NextActionAt?.ToUniversalTime(),
            NextActionDetails = string.IsNullOrWhiteSpace(NextActionDetails) ? null : NextActionDetails.Trim(),
        };
    }
}

/// <summary>A field that is not right, named as the API names it, with a code the UI words in the
/// user's language and its bound (a length or a range's ends), and an English message for API clients.</summary>
public sealed record FieldError(string Field, string Code, string Message, int? Min = null, long? Max = null);

/// <summary>The fields of each entity type, their bounds, and the checks a draft passes before it is written.</summary>
public static class CardFields
{
    public const string Title = "title";
    public const string Company = "company";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string Source = "source";
    public const string Score = "score";
    public const string Value = "value";
    public const string Currency = "currency";
    public const string ExpectedCloseOn = "expectedCloseOn";
    public const string Probability = "probability";
    public const string Description = "description";
    public const string DueOn = "dueOn";
    public const string AssigneeId = "assigneeId";
    public const string Plan = "plan";
    public const string Health = "health";
    public const string OwnerId = "ownerId";
    public const string NextActionAt = "nextActionAt";
    public const string NextActionDetails = "nextActionDetails";

    public const int TitleLength = 200;
    public const int CompanyLength = 200;
    public const int EmailLength = 254;
    public const int PhoneLength = 40;
    public const int SourceLength = 100;
    public const int DescriptionLength = 4000;
    public const int PlanLength = 100;
    public const int NextActionLength = 500;
    public const decimal MaxValue = 999_999_999_999.99m;

    private static readonly string[] Common = [Title, OwnerId, NextActionAt, NextActionDetails];

    private static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> ByType = new Dictionary<string, IReadOnlySet<string>>
    {
        [EntityTypes.Lead] = new HashSet<string>([.. Common, Company, Email, Phone, Source, Score, Value, Currency]),
        [EntityTypes.Opportunity] = new HashSet<string>([.. Common, Company, Value, Currency, ExpectedCloseOn, Probability]),
        [EntityTypes.Task] = new HashSet<string>([.. Common, Description, DueOn, AssigneeId]),
        [EntityTypes.Customer] = new HashSet<string>([.. Common, Plan, Value, Currency, Health]),
    };

    /// <summary>The fields a card of this entity type has.</summary>
    public static IReadOnlySet<string> For(string entityType) =>
        ByType.TryGetValue(entityType, out var fields) ? fields : throw new ArgumentOutOfRangeException(nameof(entityType), entityType, "Unknown entity type.");

    /// <summary>Every problem with a (normalized) draft; none: it may be written.</summary>
    /// <param name="isMember">whether a user id names a member of the card's tenant (owner, assignee)</param>
    public static IReadOnlyList<FieldError> Validate(string entityType, CardDraft draft, Func<Guid, bool> isMember)
    {
        var uses = For(entityType);
        var errors = new List<FieldError>();
        if (draft.Title.Length == 0)
            errors.Add(new(Title, "required", "Give the card a name."));
        Length(errors, Title, draft.Title, TitleLength);
        if (uses.Contains(Company)) Length(errors, Company, draft.Company, CompanyLength);
        if (uses.Contains(Email))
        {
            Length(errors, Email, draft.Email, EmailLength);
            if (draft.Email is { Length: > 0 and <= EmailLength } email && !IsEmail(email))
                errors.Add(new(Email, "email", "This is not an email address (name@example.com)."));
        }
        if (uses.Contains(Phone))
        {
            Length(errors, Phone, draft.Phone, PhoneLength);
            if (draft.Phone is { Length: > 0 and <= PhoneLength } phone && !IsPhone(phone))
                errors.Add(new(Phone, "phone", "A phone number has digits, and may have spaces, +, -, ( ) and dots."));
        }
        if (uses.Contains(Source)) Length(errors, Source, draft.Source, SourceLength);
        if (uses.Contains(Score)) Range(errors, Score, draft.Score, 0, 100);
        if (uses.Contains(Probability)) Range(errors, Probability, draft.Probability, 0, 100);
        if (uses.Contains(Value) && (draft.Value < 0 || draft.Value > MaxValue || decimal.Round(draft.Value, 2) != draft.Value))
            errors.Add(new(Value, "amount", $"The value is an amount from 0 to {MaxValue.ToString("N2", CultureInfo.InvariantCulture)}, with at most 2 decimals.", 0, (long)MaxValue));
        if (uses.Contains(Currency) && !Currencies.Contains(draft.Currency))
            errors.Add(new(Currency, "currency", $"The currency is one of {string.Join(", ", Currencies)}."));
        if (uses.Contains(Description)) Length(errors, Description, draft.Description, DescriptionLength);
        if (uses.Contains(Plan)) Length(errors, Plan, draft.Plan, PlanLength);
        if (uses.Contains(Health) && draft.Health is { } health && !Enum.IsDefined(health))
            errors.Add(new(Health, "health", "Health is Good, Fair or Poor."));
        if (draft.OwnerId is null)
            errors.Add(new(OwnerId, "required", "Every card has an owner."));
        else if (!isMember(draft.OwnerId.Value))
            errors.Add(new(OwnerId, "member", "The owner must be a member of this organisation."));
        if (uses.Contains(AssigneeId) && draft.AssigneeId is { } assignee && !isMember(assignee))
            errors.Add(new(AssigneeId, "member", "The assignee must be a member of this organisation."));
        Length(errors, NextActionDetails, draft.NextActionDetails, NextActionLength);
        if (draft.NextActionAt is null && draft.NextActionDetails is not null)
            errors.Add(new(NextActionAt, "required", "Say when the next action is due."));
        return errors;
    }

    /// <summary>The currencies a value may be in.</summary>
    public static readonly IReadOnlyList<string> Currencies = ["USD", "EUR", "BRL", "GBP", "CAD", "AUD", "JPY", "CHF", "MXN", "ARS"];

    /// <summary>The fields whose values differ between two (normalized) drafts, in the order of the form.</summary>
    public static IReadOnlyList<FieldChange> Changes(string entityType, CardDraft before, CardDraft after)
    {
        var uses = For(entityType);
        var changes = new List<FieldChange>();
        void Compare(string field, object? from, object? to)
        {
            if (uses.Contains(field) && !Equals(from, to)) changes.Add(new FieldChange(field, Show(from), Show(to)));
        }
        Compare(Title, before.Title, after.Title);
        Compare(Company, before.Company, after.Company);
        Compare(Email, before.Email, after.Email);
        Compare(Phone, before.Phone, after.Phone);
        Compare(Source, before.Source, after.Source);
        Compare(Score, before.Score, after.Score);
        Compare(Value, before.Value, after.Value);
        Compare(Currency, before.Currency, after.Currency);
        Compare(ExpectedCloseOn, before.ExpectedCloseOn, after.ExpectedCloseOn);
        Compare(Probability, before.Probability, after.Probability);
        Compare(Description, before.Description, after.Description);
        Compare(DueOn, before.DueOn, after.DueOn);
        Compare(AssigneeId, before.AssigneeId, after.AssigneeId);
        Compare(Plan, before.Plan, after.Plan);
        Compare(Health, before.Health, after.Health);
        Compare(OwnerId, before.OwnerId, after.OwnerId);
        Compare(NextActionAt, before.NextActionAt, after.NextActionAt);
        Compare(NextActionDetails, before.NextActionDetails, after.NextActionDetails);
        return changes;
    }

    private static string? Show(object? value) => value switch
    {
        null => null,
        DateTimeOffset at => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        decimal amount => amount.ToString("0.00", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static void Length(List<FieldError> errors, string field, string? value, int max)
    {
        if (value is { Length: var length } && length > max)
            errors.Add(new(field, "too_long", $"At most {max} characters ({length} given).", Max: max));
    }

    private static void Range(List<FieldError> errors, string field, int? value, int min, int max)
    {
        if (value is { } n && (n < min || n > max))
            errors.Add(new(field, "range", $"A whole number from {min} to {max}.", min, max));
    }

    private static bool IsEmail(string value) =>
        !value.Any(char.IsWhiteSpace) && value.IndexOf('@') is > 0 and var at && at < value.Length - 1 && value.LastIndexOf('@') == at
        && MailAddress.TryCreate(value, out var parsed) && parsed.Address == value && value[(at + 1)..].Contains('.');

    private static bool IsPhone(string value) =>
        value.Any(char.IsAsciiDigit) && value.All(c => char.IsAsciiDigit(c) || c is ' ' or '+' or '-' or '(' or ')' or '.');
}

/// <summary>One field's change: its values before and after, as text (null: empty).</summary>
public sealed record FieldChange(string Field, string? From, string? To);

/// <summary>Who may create, edit and delete cards: Viewers read; Sales reps create cards and edit the
/// cards they own; Managers and Admins do everything on cards.</summary>
public static class CardPermissions
{
    public static bool CanCreate(TenantRole role) => role is TenantRole.SalesRep or TenantRole.Manager or TenantRole.Admin;

    public static bool CanEdit(TenantRole role, Guid userId, Guid? ownerId) =>
        role is TenantRole.Manager or TenantRole.Admin || (role == TenantRole.SalesRep && ownerId == userId);

    public static bool CanDelete(TenantRole role) => role is TenantRole.Manager or TenantRole.Admin;

    /// <summary>A Sales rep's cards are their own: they cannot create one for, or hand one to, someone else.</summary>
    public static bool CanGiveTo(TenantRole role, Guid userId, Guid ownerId) =>
        role is TenantRole.Manager or TenantRole.Admin || ownerId == userId;
}

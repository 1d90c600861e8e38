using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Web.Features.Api;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Tenancy;

namespace KanbanBlazor.Web.Features.Cards;

/// <summary>
/// Items under /api/v1/kanban/items/{entityType}: read, create, replace (PUT, with the version read) and
/// delete (with ?expectedVersion=), through the same use cases, checks and error shapes as the board and
/// the move endpoint: 400 INVALID_FIELDS with each field's problem, 403, 404, 409 STALE_VERSION with what
/// the other person changed, 422 for the board's rules and 423 LOCKED while someone else edits the item.
/// </summary>
public static class CardApi
{
    /// <summary>An item's fields as the API writes them (a PUT replaces all of them: a field left out is emptied).</summary>
    public sealed record ItemBody
    {
        public string? StageId { get; init; }
        public int ToIndex { get; init; }
        public int? ExpectedVersion { get; init; }
        public string? Reason { get; init; }
        public bool WipOverride { get; init; }
        public string? Title { get; init; }
        public string? Company { get; init; }
        public string? Email { get; init; }
        public string? Phone { get; init; }
        public string? Source { get; init; }
        public int? Score { get; init; }
        public decimal? Value { get; init; }
        public string? Currency { get; init; }
        public DateOnly? ExpectedCloseOn { get; init; }
        public int? Probability { get; init; }
        public string? Description { get; init; }
        public DateOnly? DueOn { get; init; }
        public Guid? AssigneeId { get; init; }
        public string? Plan { get; init; }
        public string? Health { get; init; }
        public Guid? OwnerId { get; init; }
        public DateTimeOffset? NextActionAt { get; init; }
        public string? NextActionDetails { get; init; }
    }

    public sealed record ItemView(Guid Id, string EntityType, string StageId, string Position, int Version, string Title, string? Company,
        string? Email, string? Phone, string? Source, int? Score, decimal Value, string Currency, DateOnly? ExpectedCloseOn, int? Probability,
        string? Description, DateOnly? DueOn, Guid? AssigneeId, string? AssigneeName, string? Plan, string? Health, Guid? OwnerId, string? OwnerName,
        DateTimeOffset? NextActionAt, string? NextActionDetails, DateTimeOffset? LastActivityAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public sealed record ItemResponse(ItemView Item, long Sequence, IReadOnlyList<FieldChange> Changes);

    public const int MaxImportBytes = 2 * 1024 * 1024;

    public static void MapCardApi(this RouteGroupBuilder api)
    {
        api.MapGet("/items/{entityType}/{id:guid}", async (string entityType, Guid id, TenantContext tenants, CardWrites cards, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var card = await cards.ReadAsync(await tenants.GetAsync(ct), entityType, id, ct);
                return card is null ? NoItem() : Results.Ok(View(card));
            })
            .WithSummary("One item with all its fields")
            .Produces<ItemView>().ProducesProblem(404);

        api.MapGet("/items/{entityType}/export", async (string entityType, TenantContext tenants, CardWrites cards, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var csv = await cards.ExportAsync(await tenants.GetAsync(ct), entityType, ct);
                return csv is null
                    ? ApiProblems.Result(404, "BOARD_NOT_FOUND", $"This organisation has no {entityType} board.")
                    : Results.File(System.Text.Encoding.UTF8.GetPreamble().Concat(System.Text.Encoding.UTF8.GetBytes(csv)).ToArray(), "text/csv; charset=utf-8",
                        $"{entityType}-{DateTime.UtcNow:yyyy-MM-dd}.csv");
            })
            .WithSummary("The board's items as CSV (a header row of field names; owner and assignee by name)")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(404);

        api.MapPost("/items/{entityType}/import", async (string entityType, HttpContext http, TenantContext tenants, CardWrites cards, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                if (http.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) != true)
                    return ApiProblems.Result(415, "UNSUPPORTED_MEDIA_TYPE", "Send the file as the body, with Content-Type: text/csv.");
                if (http.Request.ContentLength > MaxImportBytes)
                    return ApiProblems.Result(413, "BODY_TOO_LARGE", $"The file may be at most {MaxImportBytes / 1024 / 1024} MB.");
                using var reader = new StreamReader(http.Request.Body, System.Text.Encoding.UTF8);
                var text = await reader.ReadToEndAsync(ct);
                if (text.Length > MaxImportBytes) return ApiProblems.Result(413, "BODY_TOO_LARGE", $"The file may be at most {MaxImportBytes / 1024 / 1024} MB.");
                var result = await cards.ImportAsync(await tenants.GetAsync(ct), entityType, text, Guid.NewGuid(), BoardApi.Source, ct);
                return result.Outcome switch
                {
                    CardWriteOutcome.Saved => Results.Ok(new { created = result.Created, sequence = result.Sequence }),
                    CardWriteOutcome.NotPermitted => ApiProblems.Result(403, "NOT_PERMITTED", result.Errors[0].Message),
                    CardWriteOutcome.BoardNotFound => ApiProblems.Result(404, "BOARD_NOT_FOUND", result.Errors[0].Message),
                    _ => ApiProblems.Result(422, "INVALID_ROWS", $"Nothing was imported: {result.Errors.Count} problem(s) in the file.",
                        new Dictionary<string, object?> { ["errors"] = result.Errors.Select(e => new { line = e.Line, field = e.Field, code = e.Code, message = e.Message }) }),
                };
            })
            .WithSummary("Import items from CSV (the export's columns), all or none: 422 INVALID_ROWS lists each row's problems")
            .Produces(StatusCodes.Status200OK).ProducesProblem(403).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422);

        api.MapPost("/items/{entityType}", async (string entityType, HttpContext http, TenantContext tenants, CardWrites cards, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var (body, problem) = await ApiProblems.ReadJsonAsync<ItemBody>(http);
                if (problem is not null) return problem;
                if (string.IsNullOrWhiteSpace(body!.StageId))
                    return Invalid([new FieldError("stageId", "required", "Say which stage the item goes in (stageId).")]);
                if (Draft(body) is not { } draft) return BadHealth();
                var result = await cards.CreateAsync(await tenants.GetAsync(ct), entityType,
                    new CardWrites.CreateRequest(body.StageId, draft, body.ToIndex, body.Reason, body.WipOverride), Guid.NewGuid(), BoardApi.Source, ct);
                return result.Succeeded ? Results.Created($"/api/v1/kanban/items/{entityType}/{result.Card!.Id}", Response(result)) : Refused(result);
            })
            .WithSummary("Create an item in a stage (at toIndex, default the top); you own it unless you are a Manager or an Admin and name another owner")
            .Accepts<ItemBody>("application/json")
            .Produces<ItemResponse>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(404).ProducesProblem(422);

        api.MapPut("/items/{entityType}/{id:guid}", async (string entityType, Guid id, HttpContext http, TenantContext tenants, CardWrites cards, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var (body, problem) = await ApiProblems.ReadJsonAsync<ItemBody>(http);
                if (problem is not null) return problem;
                if (body!.ExpectedVersion is not { } version)
                    return Invalid([new FieldError("expectedVersion", "required", "Send the version you read (expectedVersion), so that nobody's change is overwritten.")]);
                if (body.StageId is not null)
                    return Invalid([new FieldError("stageId", "move", "An edit does not move an item: use POST /api/v1/kanban/move.")]);
                if (Draft(body) is not { } draft) return BadHealth();
                var result = await cards.UpdateAsync(await tenants.GetAsync(ct), entityType, id, version, draft, Guid.NewGuid(), BoardApi.Source, ct);
                return result.Succeeded ? Results.Ok(Response(result)) : Refused(result);
            })
            .WithSummary("Replace an item's fields, as of the version you read (fields left out are emptied)")
            .Accepts<ItemBody>("application/json")
            .Produces<ItemResponse>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(423);

        api.MapDelete("/items/{entityType}/{id:guid}", async (string entityType, Guid id, int? expectedVersion, TenantContext tenants, CardWrites cards, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                if (expectedVersion is not { } version)
                    return Invalid([new FieldError("expectedVersion", "required", "Send the version you read (?expectedVersion=), so that nobody's change is lost unseen.")]);
                var result = await cards.DeleteAsync(await tenants.GetAsync(ct), entityType, id, version, Guid.NewGuid(), BoardApi.Source, ct);
                return result.Succeeded ? Results.NoContent() : Refused(result);
            })
            .WithSummary("Delete an item (Manager or Admin), as of the version you read; its history stays in the log")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(423);
    }

    private static CardDraft? Draft(ItemBody body)
    {
        CustomerHealth? health = null;
        if (body.Health is { Length: > 0 } text)
        {
            if (!Enum.TryParse<CustomerHealth>(text, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed)) return null;
            health = parsed;
        }
        return new CardDraft
        {
            Title = body.Title ?? "", Company = body.Company, Email = body.Email, Phone = body.Phone, Source = body.Source, Score = body.Score,
            Value = body.Value ?? 0, Currency = body.Currency ?? "USD", ExpectedCloseOn = body.ExpectedCloseOn, Probability = body.Probability,
            Description = body.Description, DueOn = body.DueOn, AssigneeId = body.AssigneeId, Plan = body.Plan, Health = health,
            OwnerId = body.OwnerId, NextActionAt = body.NextActionAt, NextActionDetails = body.NextActionDetails,
        };
    }

    private static ItemResponse Response(CardWriteResult result) => new(View(result.Card!), result.Sequence, result.Changes);

    private static ItemView View(CardDetails card)
    {
        var f = card.Fields;
        return new ItemView(card.Id, card.EntityType, card.Stage, card.Position, card.Version, f.Title, f.Company, f.Email, f.Phone, f.Source, f.Score,
            f.Value, f.Currency, f.ExpectedCloseOn, f.Probability, f.Description, f.DueOn, f.AssigneeId, card.AssigneeName, f.Plan, f.Health?.ToString(),
            f.OwnerId, card.OwnerName, f.NextActionAt, f.NextActionDetails, card.LastActivityAt, card.CreatedAt, card.UpdatedAt);
    }

    private static IResult Refused(CardWriteResult result)
    {
        var extensions = new Dictionary<string, object?>();
        if (result.Errors.Count > 0) extensions["errors"] = ErrorsView(result.Errors);
        if (result.Outcome == CardWriteOutcome.Stale)
        {
            extensions["currentVersion"] = result.Card?.Version;
            extensions["changes"] = result.Conflicts.Select(c => new { field = c.Field, from = c.From, to = c.To, by = c.By, at = c.At });
        }
        if (result.Lock is { } held)
        {
            extensions["heldBy"] = held.HolderId;
            extensions["heldByName"] = held.HolderName;
            extensions["expiresAt"] = held.ExpiresAt;
        }
        if (result.Wip is { } wip)
        {
            extensions["stageId"] = wip.Stage;
            extensions["count"] = wip.Count;
            extensions["softLimit"] = wip.SoftLimit;
            extensions["hardLimit"] = wip.HardLimit;
        }
        var (status, code) = result.Outcome switch
        {
            CardWriteOutcome.Invalid => (400, "INVALID_FIELDS"),
            CardWriteOutcome.NotPermitted => (403, "NOT_PERMITTED"),
            CardWriteOutcome.BoardNotFound => (404, "BOARD_NOT_FOUND"),
            CardWriteOutcome.CardNotFound => (404, "ITEM_NOT_FOUND"),
            CardWriteOutcome.Stale => (409, "STALE_VERSION"),
            CardWriteOutcome.Locked => (423, "LOCKED"),
            CardWriteOutcome.UnknownStage => (422, "UNKNOWN_STAGE"),
            CardWriteOutcome.WipHardLimit => (422, "WIP_HARD_LIMIT"),
            CardWriteOutcome.ReasonRequired => (422, "REASON_REQUIRED"),
            _ => (422, "REFUSED"),
        };
        return ApiProblems.Result(status, code, result.Message ?? "The change was refused.", extensions);
    }

    private static object ErrorsView(IEnumerable<FieldError> errors) =>
        errors.Select(e => new { field = e.Field, code = e.Code, message = e.Message, min = e.Min, max = e.Max });

    private static IResult Invalid(IReadOnlyList<FieldError> errors) =>
        ApiProblems.Result(400, "INVALID_FIELDS", string.Join(" ", errors.Select(e => e.Message)), new Dictionary<string, object?> { ["errors"] = ErrorsView(errors) });

    private static IResult BadHealth() =>
        Invalid([new FieldError(CardFields.Health, "health", "Health is Good, Fair or Poor.")]);

    private static IResult NoItem() => ApiProblems.Result(404, "ITEM_NOT_FOUND", "There is no such item on this board.");

    private static IResult UnknownEntityType(string entityType) =>
        ApiProblems.Result(404, "UNKNOWN_ENTITY_TYPE", $"There is no entity type '{entityType}'; use one of {string.Join(", ", EntityTypes.All)}.");
}

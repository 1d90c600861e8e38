using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Features.Api;
using KanbanBlazor.Web.Features.Cards;
using KanbanBlazor.Web.Tenancy;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// The REST API under /api/v1/kanban (README, "REST API"): boards, cursor pages, moves, undo and redo,
/// configuration, edit locks, the event log and the consistency check. The tenant comes from the
/// caller's token (or cookie) and membership, never from the request: X-Tenant-Id only confirms it
/// (TenantMiddleware). Changes go through the same use cases as the board, so they reach open boards
/// exactly like a drag; and they need a bearer token, because a cookie alone is no proof that the
/// signed-in person meant to send them.
/// </summary>
public static class BoardApi
{
    public const string Source = "api";

    public sealed record MoveBody(string EntityType, Guid EntityId, string ToStageId, int ToIndex, int ExpectedVersion)
    {
        public string? Reason { get; init; }
        public bool WipOverride { get; init; }
        public Guid? AfterEntityId { get; init; }
    }

    public sealed record UndoBody(string EntityType)
    {
        public string? Reason { get; init; }
        public bool WipOverride { get; init; }
    }

    public sealed record StageBody(string Id, string Name)
    {
        public string Outcome { get; init; } = nameof(StageOutcome.Open);
        public int? WipSoftLimit { get; init; }
        public int? WipHardLimit { get; init; }
        public bool RequiresReason { get; init; }
    }

    public sealed record TransitionBody(string From, string To);

    public sealed record ConfigBody(int Version, IReadOnlyList<StageBody> Stages)
    {
        public IReadOnlyList<TransitionBody>? AllowedTransitions { get; init; }
        public string? WorkStartedStage { get; init; }
        /// <summary>On a save that removes stages holding cards: where each one's cards go (removed stage id → stage id).</summary>
        public IReadOnlyDictionary<string, string>? MoveCardsTo { get; init; }
    }

    public sealed record MoveView(Guid Id, Guid EntityId, string FromStageId, string ToStageId, string Position, int Version, long Sequence, Guid? UndoOf);
    public sealed record WarningView(string Code, string StageId, int Count, int? SoftLimit, int? HardLimit);
    public sealed record MoveResponse(MoveView Move, IReadOnlyList<WarningView> Warnings, bool WipOverride, long Sequence);
    public sealed record LockView(Guid EntityId, Guid HeldBy, string HeldByName, DateTimeOffset ExpiresAt);

    public static void MapBoardApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/kanban")
            .RequireAuthorization()
            .WithTags("Kanban")
            .AddEndpointFilter(ChangesNeedABearerToken)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapCardApi();
        KanbanBlazor.Web.Features.Metrics.MetricsApi.MapMetricsApi(api);

        api.MapGet("/board/{entityType}", async (string entityType, int? limit, TenantContext tenants, BoardPages pages, CancellationToken ct) =>
            {
                if (Limit(limit, BoardPages.DefaultLimit) is not { } n) return BadLimit();
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var board = await pages.OverviewAsync(await tenants.GetAsync(ct), entityType, n, ct);
                return board is null ? NoBoard(entityType) : Results.Ok(board);
            })
            .WithSummary("A board: stages in order, each with its WIP status and first page of items, and the board's sequence number")
            .Produces<BoardOverview>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/board/{entityType}/stages/{stageId}/items", async (string entityType, string stageId, int? limit, string? cursor,
                TenantContext tenants, BoardPages pages, CancellationToken ct) =>
            {
                if (Limit(limit, BoardPages.DefaultLimit) is not { } n) return BadLimit();
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                try
                {
                    var page = await pages.StageAsync(await tenants.GetAsync(ct), entityType, stageId, cursor, n, ct);
                    return page is null
                        ? ApiProblems.Result(404, "STAGE_NOT_FOUND", $"The {entityType} board has no stage '{stageId}'.")
                        : Results.Ok(page);
                }
                catch (FormatException)
                {
                    return BadCursor();
                }
            })
            .WithSummary("One page of a stage's items in board order; pass nextCursor back as cursor for the next")
            .Produces<ItemPage>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/move", async (HttpContext http, TenantContext tenants, MoveCard move, CancellationToken ct) =>
            {
                var (body, problem) = await ApiProblems.ReadJsonAsync<MoveBody>(http);
                if (problem is not null) return problem;
                if (!EntityTypes.IsKnown(body!.EntityType)) return UnknownEntityType(body.EntityType);
                var request = new MoveRequest(body.EntityId, body.ExpectedVersion, body.ToStageId, body.ToIndex, body.AfterEntityId,
                    Reason: body.Reason, WipOverride: body.WipOverride);
                var result = await move.ExecuteAsync(await tenants.GetAsync(ct), body.EntityType, request, Guid.NewGuid(), Source, ct);
                return MoveAnswer(result);
            })
            .WithSummary("Move an item to a stage and an index in it, as of the version you read")
            .WithDescription("200 with the move and any WIP warning; 409 STALE_VERSION (with the current version and who moved it where); 422 with a code: WIP_HARD_LIMIT, TRANSITION_NOT_ALLOWED, REASON_REQUIRED, UNKNOWN_STAGE, INVALID_POSITION, REASON_TOO_LONG.")
            .Accepts<MoveBody>("application/json")
            .Produces<MoveResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);

        api.MapPost("/undo", (HttpContext http, TenantContext tenants, UndoMove undo, CancellationToken ct) => UndoAsync(http, tenants, undo, UndoKind.Undo, ct))
            .WithSummary("Take back your latest move on a board (a compensating move linked to it)")
            .Accepts<UndoBody>("application/json")
            .Produces<MoveResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        api.MapPost("/redo", (HttpContext http, TenantContext tenants, UndoMove undo, CancellationToken ct) => UndoAsync(http, tenants, undo, UndoKind.Redo, ct))
            .WithSummary("Make again the move your latest undo took back")
            .Accepts<UndoBody>("application/json")
            .Produces<MoveResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);

        api.MapGet("/config/{entityType}", async (string entityType, TenantContext tenants, ConfigureBoard configure, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var config = await configure.ReadAsync(await tenants.GetAsync(ct), entityType, ct);
                return config is null ? NoBoard(entityType) : Results.Ok(ConfigView(config));
            })
            .WithSummary("A board's configuration and its version")
            .Produces<ConfigBody>().ProducesProblem(404);

        api.MapPut("/config/{entityType}", async (string entityType, HttpContext http, TenantContext tenants, ConfigureBoard configure, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var (body, problem) = await ApiProblems.ReadJsonAsync<ConfigBody>(http);
                if (problem is not null) return problem;
                if (body!.Stages.FirstOrDefault(s => !Enum.TryParse<StageOutcome>(s.Outcome, ignoreCase: false, out _)) is { } odd)
                    return ApiProblems.Result(400, "INVALID_JSON", $"A stage's outcome is Open, Won or Lost, not '{odd.Outcome}'.");
                var proposed = new BoardConfiguration(entityType, body.Version,
                    body.Stages.Select(s => new BoardStage(s.Id, s.Name, Enum.Parse<StageOutcome>(s.Outcome), s.WipSoftLimit, s.WipHardLimit, s.RequiresReason)).ToList(),
                    body.AllowedTransitions?.Select(t => new StageTransition(t.From, t.To)).ToList(),
                    body.WorkStartedStage) { MoveCardsTo = body.MoveCardsTo };
                var result = await configure.SaveAsync(await tenants.GetAsync(ct), proposed, Guid.NewGuid(), Source, ct);
                return result.Outcome switch
                {
                    ConfigureOutcome.Saved => Results.Ok(ConfigView(proposed with { Version = result.Version }) with { }),
                    ConfigureOutcome.NotPermitted => ApiProblems.Result(403, "NOT_PERMITTED", "Only an Admin may change a board's configuration."),
                    ConfigureOutcome.NoBoard => NoBoard(entityType),
                    ConfigureOutcome.Stale => ApiProblems.Result(409, "STALE_VERSION",
                        $"Someone saved this configuration after you read it (it is now at version {result.Version}); read it again and reapply your change.",
                        new Dictionary<string, object?>
                        {
                            ["currentVersion"] = result.Version, ["current"] = ConfigView(result.Current!),
                            ["changedBy"] = result.ChangedBy, ["changedAt"] = result.ChangedAt,
                        }),
                    ConfigureOutcome.StageNotEmpty => ApiProblems.Result(422, "STAGE_NOT_EMPTY",
                        $"Move the cards out of {string.Join(", ", result.NonEmptyStages!.Select(s => $"'{s.Key}' ({s.Value})"))} before removing it, or say where they go (moveCardsTo).",
                        new Dictionary<string, object?> { ["stages"] = result.NonEmptyStages }),
                    _ => ApiProblems.Result(422, "INVALID_CONFIG", string.Join(" ", result.Problems!.Select(p => p.Message)),
                        new Dictionary<string, object?> { ["errors"] = result.Problems!.Select(p => new { field = p.Field, message = p.Message }) }),
                };
            })
            .WithSummary("Save a board's configuration (Admin); send the version you read")
            .Accepts<ConfigBody>("application/json")
            .Produces<ConfigBody>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);

        api.MapPost("/lock/{entityType}/{id:guid}", async (string entityType, Guid id, TenantContext tenants, EditLocks locks, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                return LockAnswer(await locks.AcquireAsync(await tenants.GetAsync(ct), entityType, id, ct), id);
            })
            .WithSummary("Take (or renew) the 30-second edit lock on an item; 423 while someone else holds it")
            .Produces<LockView>().ProducesProblem(404).ProducesProblem(StatusCodes.Status423Locked);

        api.MapDelete("/lock/{entityType}/{id:guid}", async (string entityType, Guid id, TenantContext tenants, EditLocks locks, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                return LockAnswer(await locks.ReleaseAsync(await tenants.GetAsync(ct), entityType, id, ct), id);
            })
            .WithSummary("Release your edit lock on an item")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404).ProducesProblem(StatusCodes.Status423Locked);

        api.MapGet("/moves/{entityType}", async (string entityType, Guid? entityId, string? cursor, int? limit, TenantContext tenants, BoardPages pages, CancellationToken ct) =>
            {
                if (Limit(limit, 100) is not { } n) return BadLimit();
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                try
                {
                    var log = await pages.LogAsync(await tenants.GetAsync(ct), entityType, entityId, cursor, n, ct);
                    return log is null ? NoBoard(entityType) : Results.Ok(log);
                }
                catch (FormatException)
                {
                    return BadCursor();
                }
            })
            .WithSummary("The board's event log in sequence order (optionally one item's); pass nextCursor back as cursor")
            .Produces<LogPage>().ProducesProblem(400).ProducesProblem(404);

        // The board checked against its own event log (sequence gaps, cards not where their latest
        // move put them, shared ordering keys). Admins only.
        api.MapGet("/consistency/{entityType}", async (string entityType, TenantContext tenants, VerifyBoard verify, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var tenant = await tenants.GetAsync(ct);
                if (tenant.Role != TenantRole.Admin)
                    return ApiProblems.Result(403, "NOT_PERMITTED", "Only an Admin may check a board's consistency.");
                var report = await verify.ExecuteAsync(tenant.TenantId, entityType, ct);
                return report is null ? NoBoard(entityType) : Results.Ok(ReportView(report));
            })
            .WithSummary("Check a board against its event log, and against its latest snapshot replayed through the log (Admin)")
            .ProducesProblem(404);

        api.MapPost("/consistency/{entityType}/repair", async (string entityType, TenantContext tenants, RepairBoard repair, VerifyBoard verify, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var tenant = await tenants.GetAsync(ct);
                var result = await repair.ExecuteAsync(tenant, entityType, Guid.NewGuid(), Source, ct);
                if (result.NotPermitted) return ApiProblems.Result(403, "NOT_PERMITTED", "Only an Admin may repair a board.");
                if (result.NoBoard) return NoBoard(entityType);
                var after = await verify.ExecuteAsync(tenant.TenantId, entityType, ct);
                return Results.Ok(new
                {
                    repairs = result.Repairs.Select(r => new { r.CardId, drift = r.Drift.ToString(), fromStageId = r.FromStage, toStageId = r.ToStage, r.Position, r.Sequence }),
                    unrepaired = result.Unrepaired.Select(d => new { kind = d.Kind.ToString(), d.Detail, d.Sequence }),
                    report = after is null ? null : ReportView(after),
                });
            })
            .WithSummary("Put a board back in line with its event log (Admin); every correction is a logged move of kind 'repair'")
            .ProducesProblem(404);

        api.MapPost("/snapshots/{entityType}", async (string entityType, TenantContext tenants, BoardSnapshots snapshots, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var tenant = await tenants.GetAsync(ct);
                if (tenant.Role != TenantRole.Admin) return ApiProblems.Result(403, "NOT_PERMITTED", "Only an Admin may take a snapshot.");
                var taken = await snapshots.TakeAsync(tenant.TenantId, entityType, SnapshotReasons.Manual, ct);
                return taken is null ? NoBoard(entityType) : Results.Ok(taken);
            })
            .WithSummary("Take a snapshot of the board now (Admin); replay and 'board as of' start from the nearest one")
            .Produces<SnapshotInfo>().ProducesProblem(404);

        api.MapGet("/board/{entityType}/as-of", async (string entityType, DateTimeOffset at, TenantContext tenants, BoardSnapshots snapshots, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return UnknownEntityType(entityType);
                var board = await snapshots.AsOfAsync(await tenants.GetAsync(ct), entityType, at, ct);
                return board is null ? NoBoard(entityType) : Results.Ok(new
                {
                    entityType,
                    at,
                    board.Sequence,
                    stages = board.Stages.Select(s => new { id = s.Key, s.Name, items = board.CardsIn(s.Key).Select(c => new { c.Id, c.Title, c.Value, c.Currency, c.OwnerName, c.Position, c.Version }) }),
                });
            })
            .WithSummary("The board as it was at a moment (?at=2026-11-20T10:00:00Z), read-only")
            .ProducesProblem(404);
    }

    private static async Task<IResult> UndoAsync(HttpContext http, TenantContext tenants, UndoMove undo, UndoKind kind, CancellationToken ct)
    {
        var (body, problem) = await ApiProblems.ReadJsonAsync<UndoBody>(http);
        if (problem is not null) return problem;
        if (!EntityTypes.IsKnown(body!.EntityType)) return UnknownEntityType(body.EntityType);
        var result = await undo.ExecuteAsync(await tenants.GetAsync(ct), body.EntityType, kind, Guid.NewGuid(), Source, body.Reason, body.WipOverride, ct);
        return MoveAnswer(result);
    }

    /// <summary>Cookies are enough to read; a change needs a bearer token (a cookie rides along with
    /// any request a browser is tricked into sending, a header does not).</summary>
    private static async ValueTask<object?> ChangesNeedABearerToken(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !ApiTokens.IsBearer(http.Request))
            return ApiProblems.Result(403, "TOKEN_REQUIRED", "Changes through the API need a bearer token: POST /api/v1/auth/token.");
        return await next(context);
    }

    internal static IResult MoveAnswer(MoveResult result)
    {
        var decision = result.Decision;
        if (result.Succeeded && result.Moved is { } moved)
        {
            var warnings = decision.WarnsOfWip && decision.Wip is { } wip
                ? new[] { new WarningView("WIP_SOFT_LIMIT", wip.Stage, wip.Count, wip.SoftLimit, wip.HardLimit) }
                : [];
            return Results.Ok(new MoveResponse(
                new MoveView(moved.MoveId, moved.CardId, moved.FromStage, moved.ToStage, moved.Position, moved.Version, result.Sequence, moved.UndoOf),
                warnings, decision.WipOverridden, result.Events[^1].Sequence));
        }
        var extensions = new Dictionary<string, object?>();
        if (decision.Wip is { } refusedWip)
        {
            extensions["stageId"] = refusedWip.Stage;
            extensions["count"] = refusedWip.Count;
            extensions["softLimit"] = refusedWip.SoftLimit;
            extensions["hardLimit"] = refusedWip.HardLimit;
        }
        if (decision.CurrentVersion is { } current) extensions["currentVersion"] = current;
        if (decision.LastMove is { } last)
        {
            extensions["movedBy"] = last.MovedBy;
            extensions["movedTo"] = last.ToStage;
            extensions["movedAt"] = last.At;
        }
        var (status, code) = decision.Refusal switch
        {
            MoveRefusal.NotPermitted => (403, "NOT_PERMITTED"),
            MoveRefusal.BoardNotFound => (404, "BOARD_NOT_FOUND"),
            MoveRefusal.CardNotFound => (404, "ITEM_NOT_FOUND"),
            MoveRefusal.StaleVersion => (409, "STALE_VERSION"),
            MoveRefusal.NothingToUndo => (409, "NOTHING_TO_UNDO"),
            MoveRefusal.UnknownStage => (422, "UNKNOWN_STAGE"),
            MoveRefusal.InvalidPosition => (422, "INVALID_POSITION"),
            MoveRefusal.TransitionNotAllowed => (422, "TRANSITION_NOT_ALLOWED"),
            MoveRefusal.ReasonRequired => (422, "REASON_REQUIRED"),
            MoveRefusal.WipHardLimit => (422, "WIP_HARD_LIMIT"),
            MoveRefusal.ReasonTooLong => (422, "REASON_TOO_LONG"),
            _ => (422, "REFUSED"),
        };
        return ApiProblems.Result(status, code, decision.Message ?? "The move was refused.", extensions);
    }

    private static IResult LockAnswer(LockResult result, Guid id) => result.Outcome switch
    {
        LockOutcome.Held => Results.Ok(new LockView(id, result.HolderId!.Value, result.HolderName!, result.ExpiresAt!.Value)),
        LockOutcome.Released => Results.NoContent(),
        LockOutcome.NotHeld => Results.NoContent(),
        LockOutcome.CardNotFound => ApiProblems.Result(404, "ITEM_NOT_FOUND", "There is no such item on this board."),
        LockOutcome.NotPermitted => ApiProblems.Result(403, "NOT_PERMITTED", "Your role can view this board but not edit it."),
        _ => ApiProblems.Result(423, "LOCKED", $"{result.HolderName} is editing this item (until {result.ExpiresAt:HH:mm:ss} UTC).",
            new Dictionary<string, object?> { ["heldBy"] = result.HolderId, ["heldByName"] = result.HolderName, ["expiresAt"] = result.ExpiresAt }),
    };

    private static ConfigBody ConfigView(BoardConfiguration config) => new(config.Version,
        config.Stages.Select(s => new StageBody(s.Key, s.Name)
        {
            Outcome = s.Outcome.ToString(), WipSoftLimit = s.WipSoftLimit, WipHardLimit = s.WipHardLimit, RequiresReason = s.RequiresReason,
        }).ToList())
    {
        AllowedTransitions = config.AllowedTransitions?.Select(t => new TransitionBody(t.From, t.To)).ToList(),
        WorkStartedStage = config.WorkStartedStage,
    };

    private static object ReportView(ConsistencyReport report) => new
    {
        report.EntityType,
        report.Sequence,
        report.Cards,
        report.Events,
        consistent = report.IsConsistent,
        drift = report.Drift.Select(d => new { kind = d.Kind.ToString(), d.Detail, d.CardId, d.Sequence }),
        replayedFrom = report.ReplayedFrom,
    };

    private static int? Limit(int? asked, int fallback) => asked switch
    {
        null => fallback,
        >= 1 and <= BoardPages.MaxLimit => asked,
        _ => null,
    };

    private static IResult BadLimit() => ApiProblems.Result(400, "INVALID_LIMIT", $"limit is a whole number from 1 to {BoardPages.MaxLimit}.");
    private static IResult BadCursor() => ApiProblems.Result(400, "INVALID_CURSOR", "The cursor is not one this API gave out; start again without it.");
    private static IResult UnknownEntityType(string entityType) =>
        ApiProblems.Result(404, "UNKNOWN_ENTITY_TYPE", $"There is no entity type '{entityType}'; use one of {string.Join(", ", EntityTypes.All)}.");
    private static IResult NoBoard(string entityType) => ApiProblems.Result(404, "BOARD_NOT_FOUND", $"This organisation has no {entityType} board.");
}

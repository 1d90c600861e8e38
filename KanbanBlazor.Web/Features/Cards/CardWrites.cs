using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Cards;

public enum CardWriteOutcome
{
    Saved,
    /// <summary>Nothing to save: the draft equals the card.</summary>
    Unchanged,
    Invalid,
    NotPermitted,
    BoardNotFound,
    CardNotFound,
    UnknownStage,
    /// <summary>The card changed after the writer read it: <see cref="CardWriteResult.Conflicts"/> says how.</summary>
    Stale,
    /// <summary>Someone else holds the card's edit lock.</summary>
    Locked,
    WipHardLimit,
    ReasonRequired,
}

/// <summary>What another person did to a card after the version a writer read: a field's change, or a
/// move (<see cref="Field"/> "stage").</summary>
public sealed record CardConflict(string By, DateTimeOffset At, string Field, string? From, string? To);

/// <summary>A card write's result: the card as saved (or as it is, when refused for being stale), and
/// when refused, why, in a code the UI words in the user's language and an English message for the API.</summary>
public sealed record CardWriteResult(CardWriteOutcome Outcome, string? Message = null)
{
    public CardDetails? Card { get; init; }
    public IReadOnlyList<FieldError> Errors { get; init; } = [];
    public IReadOnlyList<CardConflict> Conflicts { get; init; } = [];
    public IReadOnlyList<FieldChange> Changes { get; init; } = [];
    public LockResult? Lock { get; init; }
    public WipStatus? Wip { get; init; }
    public IReadOnlyList<SequencedEvent> Events { get; init; } = [];
    public bool Succeeded => Outcome is CardWriteOutcome.Saved or CardWriteOutcome.Unchanged;
    public long Sequence => Events.Count > 0 ? Events[^1].Sequence : 0;
}

/// <summary>A card with every field, as the card drawer and the API show it.</summary>
public sealed record CardDetails(Guid Id, string EntityType, string Stage, string Position, int Version, CardDraft Fields,
    string? OwnerName, string? AssigneeName, DateTimeOffset? LastActivityAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Creating, editing and deleting cards, each through the board transaction like a move: the role is
/// checked as it is now, an edit or a deletion carries the version its author read (a stale one is
/// refused with what the other person changed, never overwritten), another person's edit lock is
/// respected, and each is one logged event (<see cref="CardCreated"/>, <see cref="CardUpdated"/> with
/// the changed fields' old and new values, <see cref="CardDeleted"/> with the card as it was) that
/// every open board hears.
/// </summary>
public sealed class CardWrites(BoardTransaction transaction, IDbContextFactory<KanbanDbContext> factory, ILogger<CardWrites> logger)
{
    public sealed record CreateRequest(string Stage, CardDraft Fields, int ToIndex = 0, string? Reason = null, bool WipOverride = false);

    public async Task<CardWriteResult> CreateAsync(CurrentTenant actor, string entityType, CreateRequest request, Guid originId, string source, CancellationToken ct)
    {
        var outcome = await transaction.ExecuteAsync(actor, entityType, originId, source, board => CreateInAsync(board, entityType, request, ct), ct);
        return Completed(outcome);
    }

    public async Task<CardWriteResult> UpdateAsync(CurrentTenant actor, string entityType, Guid cardId, int expectedVersion, CardDraft fields,
        Guid originId, string source, CancellationToken ct)
    {
        var outcome = await transaction.ExecuteAsync(actor, entityType, originId, source, board => UpdateInAsync(board, entityType, cardId, expectedVersion, fields, ct), ct);
        return Completed(outcome);
    }

    public async Task<CardWriteResult> DeleteAsync(CurrentTenant actor, string entityType, Guid cardId, int expectedVersion, Guid originId, string source, CancellationToken ct)
    {
        var outcome = await transaction.ExecuteAsync(actor, entityType, originId, source, board => DeleteInAsync(board, entityType, cardId, expectedVersion, ct), ct);
        return Completed(outcome);
    }

    /// <summary>A next action done: what was done (recorded as an activity), and either the next action
    /// (when and what) or a closing stage the card moves to (won, lost, done…), with what was done as its reason.</summary>
    public sealed record CompleteRequest(int ExpectedVersion, string? Done, DateTimeOffset? NextAt, string? NextDetails, string? CloseTo = null)
    {
        public const int MaxDoneLength = 500;
    }

    public async Task<CardWriteResult> CompleteActionAsync(CurrentTenant actor, string entityType, Guid cardId, CompleteRequest request,
        Guid originId, string source, CancellationToken ct)
    {
        var outcome = await transaction.ExecuteAsync(actor, entityType, originId, source, board => CompleteInAsync(board, entityType, cardId, request, ct), ct);
        return Completed(outcome);
    }

    /// <summary>The result of an import: the cards created, or every row's problems (and nothing written).</summary>
    public sealed record ImportResult(CardWriteOutcome Outcome, int Created, IReadOnlyList<CsvRowError> Errors, long Sequence = 0);

    /// <summary>Cards from a CSV file, all or none: every row is checked (stage, fields, owner and assignee by
    /// name, the stages' hard limits) and any problem refuses the whole file, each problem with its line.
    /// The cards go to the end of their stages, in file order, each a logged <see cref="CardCreated"/>.</summary>
    public async Task<ImportResult> ImportAsync(CurrentTenant actor, string entityType, string csv, Guid originId, string source, CancellationToken ct)
    {
        var (rows, problems) = CardCsv.Read(csv);
        if (problems.Count > 0) return new ImportResult(CardWriteOutcome.Invalid, 0, problems);
        var outcome = await transaction.ExecuteAsync(actor, entityType, originId, source, board => ImportInAsync(board, entityType, rows, ct), ct);
        if (outcome.IsNotMember) return new ImportResult(CardWriteOutcome.NotPermitted, 0, [new CsvRowError(0, "", "not_permitted", "You are no longer a member of this organisation.")]);
        if (outcome.IsNoBoard) return new ImportResult(CardWriteOutcome.BoardNotFound, 0, [new CsvRowError(0, "", "no_board", "This board does not exist.")]);
        return outcome.Result! with { Sequence = outcome.Events.Count > 0 ? outcome.Events[^1].Sequence : 0 };
    }

    /// <summary>The board's cards as CSV rows, in board order.</summary>
    public async Task<string?> ExportAsync(CurrentTenant actor, string entityType, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(actor.TenantId, ct);
        var config = await db.BoardConfigs.AsNoTracking().FirstOrDefaultAsync(c => c.EntityType == entityType, ct);
        if (config is null) return null;
        var order = (await db.Stages.AsNoTracking().Where(s => s.BoardConfigId == config.Id).Select(s => new { s.Key, s.Position }).ToListAsync(ct))
            .ToDictionary(s => s.Key, s => s.Position);
        var names = await NamesAsync(db, ct);
        var cards = await db.Cards.AsNoTracking().Where(c => c.EntityType == entityType).ToListAsync(ct);
        return CardCsv.Write(cards.OrderBy(c => order.GetValueOrDefault(c.Stage, int.MaxValue)).ThenBy(c => c.Position, StringComparer.Ordinal)
            .Select(c => new CsvCard(c.Stage, Draft(c), c.OwnerId is { } o ? names.GetValueOrDefault(o) : null, c.AssigneeId is { } a ? names.GetValueOrDefault(a) : null)));
    }

    private async Task<ImportResult> ImportInAsync(BoardWrite board, string entityType, IReadOnlyList<(int Line, CsvCard Card)> rows, CancellationToken ct)
    {
        var actor = board.Actor;
        if (!CardPermissions.CanCreate(actor.Role))
            return new ImportResult(CardWriteOutcome.NotPermitted, 0, [new CsvRowError(0, "", "not_permitted", "Your role can view this board but not add cards.")]);
        var names = await NamesAsync(board.Db, ct);
        var byName = names.GroupBy(n => n.Value, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Select(n => n.Key).ToList(), StringComparer.OrdinalIgnoreCase);
        var errors = new List<CsvRowError>();
        var adding = new Dictionary<string, int>();
        var ready = new List<(CardDraft Fields, string Stage)>();
        Guid? Person(int line, string column, string? name)
        {
            if (name is null) return null;
            if (byName.TryGetValue(name, out var ids) && ids.Count == 1) return ids[0];
            errors.Add(new CsvRowError(line, column, "member", ids is null ? $"Nobody called '{name}' is a member of this organisation." : $"'{name}' names more than one member."));
            return null;
        }
        foreach (var (line, row) in rows)
        {
            var owner = Person(line, "owner", row.OwnerName) ?? (row.OwnerName is null ? actor.UserId : null);
            var fields = (row.Fields with { OwnerId = owner ?? Guid.Empty, AssigneeId = Person(line, "assignee", row.AssigneeName) }).Normalized(entityType);
            if (board.Rules.Stage(row.Stage) is not { } stage)
            {
                errors.Add(new CsvRowError(line, "stage", "unknown_stage", $"The board has no stage '{row.Stage}'."));
                continue;
            }
            if (owner is { } o && !CardPermissions.CanGiveTo(actor.Role, actor.UserId, o))
                errors.Add(new CsvRowError(line, "owner", "not_permitted", "Sales reps import cards they own themselves."));
            if (owner is not null)
                errors.AddRange(CardFields.Validate(entityType, fields, names.ContainsKey).Select(e => new CsvRowError(line, e.Field, e.Code, e.Message, e.Min, e.Max)));
            adding[stage.Key] = adding.GetValueOrDefault(stage.Key) + 1;
            if (stage.WipHardLimit is { } hard && board.Snapshot.CardsIn(stage.Key).Count + adding[stage.Key] > hard)
                errors.Add(new CsvRowError(line, "stage", "wip_hard_limit", $"'{stage.Name}' would pass its limit of {hard} cards."));
            ready.Add((fields, stage.Key));
        }
        if (errors.Count > 0) return new ImportResult(CardWriteOutcome.Invalid, 0, errors);

        var stages = ready.Select(r => r.Stage).Distinct().ToDictionary(s => s, s => board.Snapshot.CardsIn(s).ToList());
        foreach (var (fields, stageKey) in ready)
        {
            var inStage = stages[stageKey];
            var card = Add(board, entityType, fields, stageKey, inStage, inStage.Count, names, reason: null, wipOverride: false);
            inStage.Add(Summary(card, names));
        }
        logger.LogInformation("{Count} cards imported to the {EntityType} board", ready.Count, entityType);
        return new ImportResult(CardWriteOutcome.Saved, ready.Count, []);
    }

    /// <summary>One card with every field (null: no such card on this tenant's board).</summary>
    public async Task<CardDetails?> ReadAsync(CurrentTenant actor, string entityType, Guid cardId, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(actor.TenantId, ct);
        var card = await db.Cards.AsNoTracking().FirstOrDefaultAsync(c => c.Id == cardId && c.EntityType == entityType, ct);
        return card is null ? null : Details(card, await NamesAsync(db, ct));
    }

    /// <summary>The tenant's members, by name: whom a card can be given or assigned to.</summary>
    public async Task<IReadOnlyList<(Guid UserId, string Name)>> MembersAsync(CurrentTenant actor, CancellationToken ct)
    {
        await using var db = await factory.CreateForTenantAsync(actor.TenantId, ct);
        var members = await db.Members.AsNoTracking().Where(m => m.DeactivatedAt == null).OrderBy(m => m.DisplayName).Select(m => new { m.UserId, m.DisplayName }).ToListAsync(ct);
        return members.Select(m => (m.UserId, m.DisplayName)).ToList();
    }

    private static CardWriteResult Completed(BoardWriteOutcome<CardWriteResult> outcome) =>
        outcome.IsNotMember ? new CardWriteResult(CardWriteOutcome.NotPermitted, "You are no longer a member of this organisation.")
        : outcome.IsNoBoard ? new CardWriteResult(CardWriteOutcome.BoardNotFound, "This board does not exist.")
        : outcome.Result! with { Events = outcome.Events };

    private async Task<CardWriteResult> CreateInAsync(BoardWrite board, string entityType, CreateRequest request, CancellationToken ct)
    {
        var actor = board.Actor;
        if (!CardPermissions.CanCreate(actor.Role))
            return new CardWriteResult(CardWriteOutcome.NotPermitted, "Your role can view this board but not add cards.");
        var fields = (request.Fields with { OwnerId = request.Fields.OwnerId ?? actor.UserId }).Normalized(entityType);
        if (!CardPermissions.CanGiveTo(actor.Role, actor.UserId, fields.OwnerId!.Value))
            return new CardWriteResult(CardWriteOutcome.NotPermitted, "Sales reps add cards that they own themselves.");
        if (board.Rules.Stage(request.Stage) is not { } stage)
            return new CardWriteResult(CardWriteOutcome.UnknownStage, $"The stage '{request.Stage}' does not exist on this board.");
        var names = await NamesAsync(board.Db, ct);
        if (Invalid(entityType, fields, names) is { } invalid) return invalid;

        var inStage = board.Snapshot.CardsIn(stage.Key);
        var hasReason = !string.IsNullOrWhiteSpace(request.Reason);
        if (request.Reason is { Length: > MoveRequest.MaxReasonLength })
            return new CardWriteResult(CardWriteOutcome.Invalid, $"The reason may be at most {MoveRequest.MaxReasonLength} characters.")
            {
                Errors = [new FieldError("reason", "too_long", $"At most {MoveRequest.MaxReasonLength} characters.", Max: MoveRequest.MaxReasonLength)],
            };
        if (stage.RequiresReason && !hasReason)
            return new CardWriteResult(CardWriteOutcome.ReasonRequired, $"Adding a card to '{stage.Name}' needs a reason.");
        var wip = new WipStatus(stage.Key, inStage.Count + 1, stage.WipSoftLimit, stage.WipHardLimit);
        var overridden = false;
        if (stage.WipHardLimit is { } hard && inStage.Count >= hard)
        {
            if (!request.WipOverride || !BoardPermissions.CanOverrideWip(actor.Role))
                return new CardWriteResult(CardWriteOutcome.WipHardLimit, $"'{stage.Name}' is at its limit of {hard} cards.") { Wip = wip with { Count = inStage.Count } };
            if (!hasReason)
                return new CardWriteResult(CardWriteOutcome.ReasonRequired, $"Going past the limit of '{stage.Name}' needs a reason.") { Wip = wip with { Count = inStage.Count } };
            overridden = true;
        }

        var card = Add(board, entityType, fields, stage.Key, inStage, Math.Clamp(request.ToIndex, 0, inStage.Count), names,
            hasReason ? request.Reason!.Trim() : null, overridden);
        MoveCard.AppendWipWarning(board, entityType, card.Id, new MoveDecision(null, null, Wip: wip, WipOverridden: overridden));
        logger.LogInformation("Card {CardId} created on the {EntityType} board", card.Id, entityType);
        return new CardWriteResult(CardWriteOutcome.Saved) { Card = Details(card, names), Wip = wip };
    }

    private async Task<CardWriteResult> UpdateInAsync(BoardWrite board, string entityType, Guid cardId, int expectedVersion, CardDraft draft, CancellationToken ct)
    {
        var actor = board.Actor;
        var (card, names, refused) = await EditableAsync(board, entityType, cardId, expectedVersion, "Sales reps can edit only the cards they own.", ct);
        if (refused is not null) return refused;

        var before = Draft(card);
        var fields = (draft with { OwnerId = draft.OwnerId ?? card.OwnerId }).Normalized(entityType);
        if (!CardPermissions.CanGiveTo(actor.Role, actor.UserId, fields.OwnerId!.Value) && fields.OwnerId != card.OwnerId)
            return new CardWriteResult(CardWriteOutcome.NotPermitted, "Only a Manager or an Admin can give a card to someone else.") { Card = Details(card, names) };
        if (Invalid(entityType, fields, names) is { } invalid) return invalid with { Card = Details(card, names) };
        var changes = CardFields.Changes(entityType, before, fields);
        if (changes.Count == 0) return new CardWriteResult(CardWriteOutcome.Unchanged) { Card = Details(card, names) };

        Update(board, card, fields, changes, names);
        return new CardWriteResult(CardWriteOutcome.Saved) { Card = Details(card, names), Changes = changes };
    }

    private async Task<CardWriteResult> DeleteInAsync(BoardWrite board, string entityType, Guid cardId, int expectedVersion, CancellationToken ct)
    {
        var actor = board.Actor;
        if (!CardPermissions.CanDelete(actor.Role))
            return new CardWriteResult(CardWriteOutcome.NotPermitted, "Only a Manager or an Admin can delete cards.");
        if (await CurrentAsync(board, entityType, cardId, ct) is not { } card)
            return new CardWriteResult(CardWriteOutcome.CardNotFound, "That card no longer exists on this board.");
        var names = await NamesAsync(board.Db, ct);
        if (await HeldUpAsync(board, card, expectedVersion, names, ct) is { } heldUp) return heldUp;

        var details = Details(card, names);
        board.Db.Cards.Remove(card);
        board.Append(new CardDeleted(card.Id), new CardMove
        {
            Id = Guid.CreateVersion7(board.Now),
            EventType = BoardEventTypes.CardDeleted,
            EntityType = entityType,
            EntityId = card.Id,
            FromStage = card.Stage,
            ToStage = card.Stage,
            ToPosition = card.Position,
            UserId = actor.UserId,
            Metadata = Metadata(board, card, wipOverride: false, changes: null),
            CreatedAt = board.Now,
        });
        logger.LogInformation("Card {CardId} deleted from the {EntityType} board", card.Id, entityType);
        return new CardWriteResult(CardWriteOutcome.Saved) { Card = details };
    }

    private async Task<CardWriteResult> CompleteInAsync(BoardWrite board, string entityType, Guid cardId, CompleteRequest request, CancellationToken ct)
    {
        var actor = board.Actor;
        var (card, names, refused) = await EditableAsync(board, entityType, cardId, request.ExpectedVersion, "Sales reps can complete actions only on the cards they own.", ct);
        if (refused is not null) return refused;

        var done = request.Done?.Trim() ?? "";
        var errors = new List<FieldError>();
        if (done.Length == 0) errors.Add(new FieldError("done", "required", "Say what was done."));
        else if (done.Length > CompleteRequest.MaxDoneLength)
            errors.Add(new FieldError("done", "too_long", $"At most {CompleteRequest.MaxDoneLength} characters.", Max: CompleteRequest.MaxDoneLength));
        var closing = request.CloseTo is { Length: > 0 } closeTo ? board.Rules.Stage(closeTo) : null;
        if (request.CloseTo is { Length: > 0 } && closing is not { Outcome: not StageOutcome.Open })
            errors.Add(new FieldError("closeTo", "closing_stage", "Choose one of the board's closing stages."));
        var next = closing is null
            ? Draft(card) with { NextActionAt = request.NextAt, NextActionDetails = request.NextDetails }
            : Draft(card) with { NextActionAt = null, NextActionDetails = null };
        next = next.Normalized(entityType);
        if (closing is null && request.CloseTo is not { Length: > 0 })
        {
            if (next.NextActionAt is null) errors.Add(new FieldError(CardFields.NextActionAt, "required", "Set the next action's date, or close the card."));
            if (next.NextActionDetails is null) errors.Add(new FieldError(CardFields.NextActionDetails, "required", "Say what the next action is, or close the card."));
        }
        errors.AddRange(CardFields.Validate(entityType, next, names.ContainsKey).Where(e => !errors.Any(x => x.Field == e.Field)));
        if (errors.Count > 0)
            return new CardWriteResult(CardWriteOutcome.Invalid, string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))) { Errors = errors, Card = Details(card, names) };

        MoveDecision? decision = null;
        if (closing is not null && card.Stage != closing.Key)
        {
            var inTarget = board.Snapshot.CardsIn(closing.Key).Count;
            decision = MoveCheck.Decide(new MoveRequest(card.Id, card.Version, closing.Key, 0, Reason: done),
                new CardState(card.Id, card.Stage, card.Version, card.OwnerId), board.Rules, inTarget, actor.Role, actor.UserId);
            if (!decision.IsAllowed)
                return new CardWriteResult(decision.Refusal == MoveRefusal.WipHardLimit ? CardWriteOutcome.WipHardLimit : CardWriteOutcome.NotPermitted, decision.Message)
                {
                    Card = Details(card, names), Wip = decision.Wip,
                };
        }

        var changes = CardFields.Changes(entityType, Draft(card), next);
        Update(board, card, next, changes, names, activity: done);
        if (decision is not null)
        {
            // Closed: the card moves to the top of the closing stage, with what was done as the reason.
            var moveId = Guid.CreateVersion7(board.Now);
            var position = MoveCard.Place(board, entityType, closing!.Key, board.Snapshot.CardsIn(closing.Key), 0, moveId);
            var (fromStage, fromPosition) = MoveCard.Relocate(board, card, closing.Key, position);
            board.Append(new CardMoved(moveId, card.Id, fromStage, card.Stage, position, card.Version), new CardMove
            {
                Id = moveId, EntityType = entityType, EntityId = card.Id, FromStage = fromStage, ToStage = closing.Key, ToPosition = position,
                FromPosition = fromPosition, UserId = actor.UserId, Reason = done, Metadata = MoveCard.MoveMetadata(board, decision, card.Version),
                CreatedAt = board.Now,
            });
            MoveCard.AppendWipWarning(board, entityType, card.Id, decision);
        }
        return new CardWriteResult(CardWriteOutcome.Saved) { Card = Details(card, names), Changes = changes };
    }

    /// <summary>A new card with these fields at <paramref name="index"/> of the stage (whose cards are <paramref name="inStage"/>),
    /// version 1, logged and published as one <see cref="CardCreated"/>.</summary>
    private static Card Add(BoardWrite board, string entityType, CardDraft fields, string stage, IReadOnlyList<BoardCard> inStage, int index,
        IReadOnlyDictionary<Guid, string> names, string? reason, bool wipOverride)
    {
        var id = Guid.CreateVersion7(board.Now);
        var position = MoveCard.Place(board, entityType, stage, inStage, index, id);
        var card = new Card
        {
            Id = id, TenantId = board.Actor.TenantId, EntityType = entityType, Title = fields.Title, Stage = stage, Position = position, Version = 1,
            CreatedAt = board.Now, UpdatedAt = board.Now, LastActivityAt = board.Now, StageEnteredAt = board.Now, LastModifiedBy = board.Actor.UserId,
        };
        Apply(card, fields);
        board.Db.Cards.Add(card);
        board.Append(new CardCreated(Summary(card, names)), new CardMove
        {
            Id = Guid.CreateVersion7(board.Now),
            EventType = BoardEventTypes.CardCreated,
            EntityType = entityType,
            EntityId = id,
            ToStage = stage,
            ToPosition = position,
            UserId = board.Actor.UserId,
            Reason = reason,
            Metadata = Metadata(board, card, wipOverride, changes: null),
            CreatedAt = board.Now,
        });
        return card;
    }

    /// <summary>The card takes the fields as the actor's change now (a new version, an activity), logged and
    /// published as one <see cref="CardUpdated"/> with each changed field's old and new value.</summary>
    private static void Update(BoardWrite board, Card card, CardDraft fields, IReadOnlyList<FieldChange> changes, IReadOnlyDictionary<Guid, string> names,
        string? activity = null)
    {
        Apply(card, fields);
        card.Version++;
        card.UpdatedAt = board.Now;
        card.LastActivityAt = board.Now;
        card.LastModifiedBy = board.Actor.UserId;
        board.Append(new CardUpdated(Summary(card, names), changes.Select(c => c.Field).ToList()), new CardMove
        {
            Id = Guid.CreateVersion7(board.Now),
            EventType = BoardEventTypes.CardUpdated,
            EntityType = card.EntityType,
            EntityId = card.Id,
            ToStage = card.Stage,
            ToPosition = card.Position,
            UserId = board.Actor.UserId,
            Metadata = Metadata(board, card, wipOverride: false, changes, activity),
            CreatedAt = board.Now,
        });
    }

    /// <summary>The card as it is now in the transaction, tracked for the update: a card an earlier write of
    /// the batch tracked (only what a move needs) is read again in full.</summary>
    private static async Task<Card?> CurrentAsync(BoardWrite board, string entityType, Guid cardId, CancellationToken ct)
    {
        await board.FlushAsync(ct);
        if (board.Db.Cards.Local.FirstOrDefault(c => c.Id == cardId) is { } tracked)
        {
            await board.Db.Entry(tracked).ReloadAsync(ct);
            return board.Db.Entry(tracked).State == EntityState.Detached || tracked.EntityType != entityType ? null : tracked;
        }
        return await board.Db.Cards.FirstOrDefaultAsync(c => c.Id == cardId && c.EntityType == entityType, ct);
    }

    /// <summary>The card, tracked, when the actor may change it now (their role as it is now, the card's owner, nobody
    /// else's lock, the version they read); else why not.</summary>
    private static async Task<(Card Card, IReadOnlyDictionary<Guid, string> Names, CardWriteResult? Refused)> EditableAsync(BoardWrite board, string entityType,
        Guid cardId, int expectedVersion, string notOwner, CancellationToken ct)
    {
        var actor = board.Actor;
        if (!CardPermissions.CanCreate(actor.Role))
            return (null!, null!, new CardWriteResult(CardWriteOutcome.NotPermitted, "Your role can view this board but not edit cards."));
        if (await CurrentAsync(board, entityType, cardId, ct) is not { } card)
            return (null!, null!, new CardWriteResult(CardWriteOutcome.CardNotFound, "That card no longer exists on this board."));
        var names = await NamesAsync(board.Db, ct);
        if (!CardPermissions.CanEdit(actor.Role, actor.UserId, card.OwnerId))
            return (card, names, new CardWriteResult(CardWriteOutcome.NotPermitted, notOwner) { Card = Details(card, names) });
        return (card, names, await HeldUpAsync(board, card, expectedVersion, names, ct));
    }

    /// <summary>Why a change to this card must wait (null: it need not): someone else holds its edit lock,
    /// or it changed after the version its author read.</summary>
    private static async Task<CardWriteResult?> HeldUpAsync(BoardWrite board, Card card, int expectedVersion, IReadOnlyDictionary<Guid, string> names, CancellationToken ct)
    {
        if (await LockedByOtherAsync(board, card.EntityType, card.Id, ct) is { } held)
            return new CardWriteResult(CardWriteOutcome.Locked, $"{held.HolderName} is editing this card.") { Lock = held, Card = Details(card, names) };
        return card.Version != expectedVersion ? await StaleAsync(board.Db, card, expectedVersion, names, ct) : null;
    }

    private static async Task<LockResult?> LockedByOtherAsync(BoardWrite board, string entityType, Guid cardId, CancellationToken ct)
    {
        var held = await board.Db.Locks.AsNoTracking()
            .Where(l => l.EntityType == entityType && l.EntityId == cardId && l.ExpiresAt > board.Now && l.UserId != board.Actor.UserId)
            .Select(l => new { l.UserId, l.ExpiresAt, Name = board.Db.Members.Where(m => m.UserId == l.UserId).Select(m => m.DisplayName).FirstOrDefault() })
            .FirstOrDefaultAsync(ct);
        return held is null ? null : new LockResult(LockOutcome.HeldByOther, held.UserId, held.Name ?? "Someone", held.ExpiresAt);
    }

    /// <summary>Refused for being stale: what happened to the card after <paramref name="expectedVersion"/>,
    /// from its log (field changes with their values, moves with their stages).</summary>
    private static async Task<CardWriteResult> StaleAsync(KanbanDbContext db, Card card, int expectedVersion, IReadOnlyDictionary<Guid, string> names, CancellationToken ct)
    {
        var rows = await db.Moves.AsNoTracking()
            .Where(m => m.EntityType == card.EntityType && m.EntityId == card.Id
                && (m.EventType == BoardEventTypes.CardUpdated || m.EventType == BoardEventTypes.CardMoved))
            .OrderByDescending(m => m.Sequence).Take(50).ToListAsync(ct);
        var conflicts = new List<CardConflict>();
        foreach (var row in rows.OrderBy(r => r.Sequence))
        {
            using var metadata = JsonDocument.Parse(row.Metadata);
            var meta = metadata.RootElement;
            if (!meta.TryGetProperty("card_version", out var v) || v.GetInt32() <= expectedVersion) continue;
            var by = row.UserId is { } user && names.TryGetValue(user, out var name) ? name : "Someone";
            if (row.EventType == BoardEventTypes.CardMoved)
                conflicts.Add(new CardConflict(by, row.CreatedAt, "stage", row.FromStage, row.ToStage));
            else if (meta.TryGetProperty("changes", out var changes))
                conflicts.AddRange(changes.EnumerateArray().Select(c => new CardConflict(by, row.CreatedAt, c.GetProperty("field").GetString()!,
                    c.TryGetProperty("from", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null,
                    c.TryGetProperty("to", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null)));
        }
        var who = conflicts.Select(c => c.By).Distinct().ToList();
        return new CardWriteResult(CardWriteOutcome.Stale,
            $"{(who.Count > 0 ? string.Join(", ", who) : "Someone")} changed this card after you opened it (it is now at version {card.Version}); nothing of yours was saved. Look at their changes and apply yours again.")
        {
            Card = Details(card, names),
            Conflicts = conflicts,
        };
    }

    private static CardWriteResult? Invalid(string entityType, CardDraft fields, IReadOnlyDictionary<Guid, string> members)
    {
        var errors = CardFields.Validate(entityType, fields, members.ContainsKey);
        return errors.Count == 0 ? null
            : new CardWriteResult(CardWriteOutcome.Invalid, string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))) { Errors = errors };
    }

    private static async Task<IReadOnlyDictionary<Guid, string>> NamesAsync(KanbanDbContext db, CancellationToken ct) =>
        await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);

    /// <summary>A stored card's fields as a draft (what its form shows, and what an edit is compared with).</summary>
    public static CardDraft Draft(Card card) => new()
    {
        Title = card.Title, Company = card.Company, Email = card.Email, Phone = card.Phone, Source = card.Source, Score = card.Score,
        Value = card.Value, Currency = card.Currency, ExpectedCloseOn = card.ExpectedCloseOn, Probability = card.Probability,
        Description = card.Description, DueOn = card.DueOn, AssigneeId = card.AssigneeId, Plan = card.Plan, Health = card.Health,
        OwnerId = card.OwnerId, NextActionAt = card.NextActionAt, NextActionDetails = card.NextActionDetails,
    };

    private static void Apply(Card card, CardDraft fields)
    {
        card.Title = fields.Title;
        card.Company = fields.Company;
        card.Email = fields.Email;
        card.Phone = fields.Phone;
        card.Source = fields.Source;
        card.Score = fields.Score;
        card.Value = fields.Value;
        card.Currency = fields.Currency;
        card.ExpectedCloseOn = fields.ExpectedCloseOn;
        card.Probability = fields.Probability;
        card.Description = fields.Description;
        card.DueOn = fields.DueOn;
        card.AssigneeId = fields.AssigneeId;
        card.Plan = fields.Plan;
        card.Health = fields.Health;
        card.OwnerId = fields.OwnerId;
        card.NextActionAt = fields.NextActionAt;
        card.NextActionDetails = fields.NextActionDetails;
    }

    internal static CardDetails Details(Card card, IReadOnlyDictionary<Guid, string> names) =>
        new(card.Id, card.EntityType, card.Stage, card.Position, card.Version, Draft(card),
            card.OwnerId is { } owner ? names.GetValueOrDefault(owner) : null,
            card.AssigneeId is { } assignee ? names.GetValueOrDefault(assignee) : null,
            card.LastActivityAt, card.CreatedAt, card.UpdatedAt);

    private static BoardCard Summary(Card card, IReadOnlyDictionary<Guid, string> names) =>
        LoadBoard.ToBoardCard(card, names);

    /// <summary>The log row's metadata: where the write came from, the card's version after it, the board's
    /// view of the card (so that the event can be rebuilt: BoardLog), and for an edit each changed field's
    /// old and new value (the card's history, and what a stale writer is shown).</summary>
    private static string Metadata(BoardWrite board, Card card, bool wipOverride, IReadOnlyList<FieldChange>? changes, string? activity = null) =>
        JsonSerializer.Serialize(new
        {
            source = board.Source,
            ip = board.ClientAddress,
            card_version = card.Version,
            wip_override = wipOverride ? true : (bool?)null,
            card = BoardLog.CardJson(card.Title, card.Company, card.Value, card.Currency, card.OwnerId, card.NextActionAt, card.NextActionDetails, card.Probability, card.StageEnteredAt),
            changes = changes?.Select(c => new { field = c.Field, from = c.From, to = c.To }),
            activity,
        }, SkipNulls);

    private static readonly JsonSerializerOptions SkipNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}

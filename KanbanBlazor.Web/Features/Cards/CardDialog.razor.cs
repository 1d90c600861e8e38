using System.Globalization;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace KanbanBlazor.Web.Features.Cards;

public partial class CardDialog
{
    /// <summary>How often an open editor renews its lock (the lock lasts <see cref="EditLocks.Duration"/>).</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = null!;

    [Parameter, EditorRequired] public required CurrentTenant Tenant { get; set; }
    [Parameter, EditorRequired] public required string EntityType { get; set; }
    /// <summary>The card to open; null: a new card for <see cref="Stage"/>.</summary>
    [Parameter] public Guid? CardId { get; set; }
    [Parameter] public string? Stage { get; set; }
    [Parameter] public string StageLabel { get; set; } = "";
    [Parameter] public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;
    /// <summary>The reader's name for a stage key (a conflict may be a move).</summary>
    [Parameter] public Func<string, string> StageName { get; set; } = key => key;

    /// <summary>The form's fields as the inputs edit them (dates as the pickers hold them, in the reader's time zone).</summary>
    private sealed class Form
    {
        public string? Title { get; set; }
        public string? Company { get; set; }
        public string? Email { get; set; }
        public string? Phone { get; set; }
        public string? Source { get; set; }
        public int? Score { get; set; }
        public decimal Value { get; set; }
        public string Currency { get; set; } = "USD";
        public DateTime? ExpectedCloseOn { get; set; }
        public int? Probability { get; set; }
        public string? Description { get; set; }
        public DateTime? DueOn { get; set; }
        public Guid? AssigneeId { get; set; }
        public string? Plan { get; set; }
        public CustomerHealth? Health { get; set; }
        public Guid? OwnerId { get; set; }
        public DateTime? NextActionDate { get; set; }
        public TimeSpan? NextActionTime { get; set; }
        public string? NextActionDetails { get; set; }
    }

    private Form form = new();
    private CardDetails? details;
    private IReadOnlyList<(Guid UserId, string Name)> members = [];
    private IReadOnlyList<FieldError> errors = [];
    private IReadOnlyList<CardConflict> conflicts = [];
    private string? problem;
    private string? lockedBy;
    private bool loading = true, gone, readOnly, saving, confirmDelete, holdsLock;
    private readonly CancellationTokenSource closing = new();

    private bool CanGiveAway => Tenant.Role is TenantRole.Manager or TenantRole.Admin;
    private bool CanDelete => CardId is not null && details is not null && !gone && lockedBy is null && CardPermissions.CanDelete(Tenant.Role);
    private bool Uses(string field) => CardFields.For(EntityType).Contains(field);

    protected override async Task OnInitializedAsync()
    {
        try
        {
            members = await Cards.MembersAsync(Tenant, closing.Token);
            if (CardId is not { } id)
            {
                readOnly = !CardPermissions.CanCreate(Tenant.Role);
                form = new Form { OwnerId = Tenant.UserId };
            }
            else if (await Cards.ReadAsync(Tenant, EntityType, id, closing.Token) is not { } card)
            {
                gone = true;
            }
            else
            {
                Show(card);
                readOnly = !CardPermissions.CanEdit(Tenant.Role, Tenant.UserId, card.Fields.OwnerId);
                if (!readOnly) await TakeLockAsync(id);
            }
        }
        finally
        {
            loading = false;
        }
    }

    /// <summary>Takes the card's edit lock and keeps it while the dialog is open; someone else's makes the form read-only.</summary>
    private async Task TakeLockAsync(Guid id)
    {
        var taken = await Locks.AcquireAsync(Tenant, EntityType, id, closing.Token);
        if (taken.Outcome != LockOutcome.Held)
        {
            readOnly = true;
            lockedBy = taken.Outcome == LockOutcome.HeldByOther ? taken.HolderName : null;
            gone = taken.Outcome == LockOutcome.CardNotFound;
            return;
        }
        holdsLock = true;
        // Everyone on the board sees who is editing the card.
        Hub.Editing(Tenant.TenantId, EntityType, id, Tenant.UserId, Tenant.UserDisplayName);
        _ = RenewAsync(id);
    }

    private async Task RenewAsync(Guid id)
    {
        using var timer = new PeriodicTimer(RenewEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(closing.Token))
                await Locks.AcquireAsync(Tenant, EntityType, id, closing.Token);
        }
        catch (OperationCanceledException)
        {
            // The dialog closed.
        }
        catch (Exception e)
        {
            Logger.LogWarning(e, "Renewing the edit lock of card {CardId} failed", id);
        }
    }

    private void Show(CardDetails card)
    {
        details = card;
        var f = card.Fields;
        var next = f.NextActionAt is { } at ? TimeZoneInfo.ConvertTime(at, TimeZone) : (DateTimeOffset?)null;
        form = new Form
        {
            Title = f.Title, Company = f.Company, Email = f.Email, Phone = f.Phone, Source = f.Source, Score = f.Score, Value = f.Value,
            Currency = f.Currency, ExpectedCloseOn = f.ExpectedCloseOn?.ToDateTime(TimeOnly.MinValue), Probability = f.Probability,
            Description = f.Description, DueOn = f.DueOn?.ToDateTime(TimeOnly.MinValue), AssigneeId = f.AssigneeId, Plan = f.Plan, Health = f.Health,
            OwnerId = f.OwnerId, NextActionDate = next?.Date, NextActionTime = next?.TimeOfDay, NextActionDetails = f.NextActionDetails,
        };
    }

    private CardDraft Draft()
    {
        DateTimeOffset? next = null;
        if (form.NextActionDate is { } day)
        {
            var local = day.Date + (form.NextActionTime ?? TimeSpan.FromHours(9));
            next = new DateTimeOffset(local, TimeZone.GetUtcOffset(local));
        }
        return new CardDraft
        {
            Title = form.Title ?? "", Company = form.Company, Email = form.Email, Phone = form.Phone, Source = form.Source, Score = form.Score,
            Value = form.Value, Currency = form.Currency, ExpectedCloseOn = form.ExpectedCloseOn is { } close ? DateOnly.FromDateTime(close) : null,
            Probability = form.Probability, Description = form.Description, DueOn = form.DueOn is { } due ? DateOnly.FromDateTime(due) : null,
            AssigneeId = form.AssigneeId, Plan = form.Plan, Health = form.Health, OwnerId = form.OwnerId, NextActionAt = next,
            NextActionDetails = form.NextActionDetails,
        };
    }

    private async Task SaveAsync()
    {
        if (saving || readOnly) return;
        saving = true;
        problem = null;
        try
        {
            var result = CardId is { } id
                ? await Cards.UpdateAsync(Tenant, EntityType, id, details!.Version, Draft(), Guid.NewGuid(), "board", CancellationToken.None)
                : await Cards.CreateAsync(Tenant, EntityType, new CardWrites.CreateRequest(Stage!, Draft()), Guid.NewGuid(), "board", CancellationToken.None);
            errors = result.Errors;
            conflicts = result.Conflicts;
            if (result.Succeeded)
            {
                Dialog.Close(DialogResult.Ok(CardId is null ? Text["CardForm.Created", result.Card!.Fields.Title, StageLabel] : Text["CardForm.Saved", result.Card!.Fields.Title]));
                return;
            }
            problem = result.Outcome switch
            {
                CardWriteOutcome.Invalid => Text["CardForm.Invalid"],
                CardWriteOutcome.Stale => Text["CardForm.Stale", string.Join(", ", conflicts.Select(c => c.By).Distinct().DefaultIfEmpty(Text["History.Someone"]))],
                CardWriteOutcome.Locked => Text["CardForm.LockedBy", result.Lock?.HolderName ?? Text["History.Someone"]],
                CardWriteOutcome.CardNotFound => Text["CardForm.Gone"],
                CardWriteOutcome.WipHardLimit => Text["CardForm.WipHard", StageLabel, result.Wip?.HardLimit ?? 0],
                CardWriteOutcome.ReasonRequired => Text["CardForm.ReasonNeeded", StageLabel],
                _ => Text["CardForm.NotPermitted"],
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing was saved (the board transaction rolls back as a whole); the form keeps what was typed.
            Logger.LogError(e, "Saving a card failed");
            problem = Text["CardForm.Failed"];
        }
        finally
        {
            saving = false;
        }
    }

    /// <summary>After a conflict: the card as it is now, theirs, in the form (the reader's edits are let go).</summary>
    private async Task ShowTheirsAsync()
    {
        if (CardId is not { } id) return;
        if (await Cards.ReadAsync(Tenant, EntityType, id, closing.Token) is { } card)
        {
            Show(card);
            (problem, conflicts, errors) = (null, [], []);
        }
        else
        {
            gone = true;
        }
    }

    private async Task DeleteAsync()
    {
        if (CardId is not { } id || details is null) return;
        if (!confirmDelete)
        {
            confirmDelete = true;
            return;
        }
        saving = true;
        try
        {
            var result = await Cards.DeleteAsync(Tenant, EntityType, id, details.Version, Guid.NewGuid(), "board", CancellationToken.None);
            if (result.Succeeded)
            {
                Dialog.Close(DialogResult.Ok(Text["CardForm.Deleted", details.Fields.Title]));
                return;
            }
            conflicts = result.Conflicts;
            problem = result.Outcome == CardWriteOutcome.Stale
                ? Text["CardForm.Stale", string.Join(", ", conflicts.Select(c => c.By).Distinct().DefaultIfEmpty(Text["History.Someone"]))]
                : result.Outcome == CardWriteOutcome.Locked ? Text["CardForm.LockedBy", result.Lock?.HolderName ?? Text["History.Someone"]]
                : Text["CardForm.NotPermitted"];
        }
        finally
        {
            saving = false;
            confirmDelete = false;
        }
    }

    private Task CloseAsync()
    {
        Dialog.Cancel();
        return Task.CompletedTask;
    }

    private bool Has(string field) => errors.Any(e => e.Field == field);

    private string? ErrorOf(string field) => errors.FirstOrDefault(e => e.Field == field) is { } error ? Text.FieldError(error) : null;

    private string FieldLabel(string field) => Text.FieldLabel(EntityType, field);

    private string NameOf(Guid? id) => id is { } known ? members.FirstOrDefault(m => m.UserId == known).Name ?? "" : "";

    /// <summary>A logged value as people read it: names for people, the language's words and formats.</summary>
    private string Shown(string field, string? value) => value is null ? Text["CardForm.Empty"] : field switch
    {
        CardFields.OwnerId or CardFields.AssigneeId when Guid.TryParse(value, out var id) => NameOf(id) is { Length: > 0 } name ? name : Text["History.Someone"],
        CardFields.Health => Text[$"Health.{value}"],
        CardFields.NextActionAt when DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, out var at) => TimeZoneInfo.ConvertTime(at, TimeZone).ToString("g"),
        "stage" => StageName(value),
        _ => value,
    };

    public async ValueTask DisposeAsync()
    {
        await closing.CancelAsync();
        if (holdsLock && CardId is { } id)
        {
            Hub.Editing(Tenant.TenantId, EntityType, id, Tenant.UserId, null);
            try
            {
                await Locks.ReleaseAsync(Tenant, EntityType, id, CancellationToken.None);
            }
            catch (Exception e)
            {
                // It expires by itself within 30 seconds.
                Logger.LogInformation(e, "Releasing the edit lock of card {CardId} failed", id);
            }
        }
        closing.Dispose();
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Components;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

namespace KanbanBlazor.Web.Features.Admin;

public partial class BoardSettingsPage
{
    [Inject] private BoardText Text { get; set; } = null!;
    [Inject] private TenantContext Tenants { get; set; } = null!;
    [Inject] private ConfigureBoard Configure { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;

    [Parameter] public string EntityType { get; set; } = EntityTypes.Lead;
    [CascadingParameter] private UiPreferences? Preferences { get; set; }

    /// <summary>One stage as the Admin is shaping it. <see cref="StoredName"/> is the name saved; the
    /// field shows it in the reader's language, and an untouched default name is saved as it was.</summary>
    private sealed class StageRow
    {
        public required string Key { get; init; }
        public string? StoredName { get; init; }
        public required string Name { get; set; }
        public StageOutcome Outcome { get; set; }
        public int? Soft { get; set; }
        public int? Hard { get; set; }
        public bool RequiresReason { get; set; }
    }

    private sealed class RemovedStage(StageRow row)
    {
        public StageRow Row { get; } = row;
        public string? MoveTo { get; set; }
    }

    private sealed record Conflict(IReadOnlyList<ConfigChange> Changes, BoardConfiguration Current, string? ChangedBy, DateTimeOffset? ChangedAt);

    private CurrentTenant? tenant;
    private bool forbidden;
    private BoardConfiguration? original;
    private List<StageRow>? stages;
    private readonly List<RemovedStage> removed = [];
    private IReadOnlyDictionary<string, int> counts = new Dictionary<string, int>();
    private HashSet<StageTransition> allowed = [];
    private bool restrict;
    private string? workStarted;
    private int version;
    private string? newStageName;
    private bool dirty;
    private bool saving;
    private bool showProblems;
    private IReadOnlyList<ConfigProblem> problems = [];
    private Conflict? conflict;
    private string? announcement;
    private TimeZoneInfo zone = TimeZoneInfo.Utc;
    private ElementReference rowsElement;
    private IJSObjectReference? module;
    private IJSObjectReference? attached;
    private DotNetObjectReference<BoardSettingsPage>? self;
    private string? loadedType;
    private bool dragReady;
    private bool attaching;

    protected override async Task OnParametersSetAsync()
    {
        if (!EntityTypes.IsKnown(EntityType))
        {
            Navigation.NotFound();
            return;
        }
        if (!RendererInfo.IsInteractive || loadedType == EntityType) return;
        zone = Preferences?.TimeZone ?? TimeZoneInfo.Utc;
        tenant = await Tenants.GetAsync();
        forbidden = tenant.Role != TenantRole.Admin;
        if (forbidden) return;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var config = await Configure.ReadAsync(tenant!, EntityType, CancellationToken.None);
        if (config is null)
        {
            Navigation.NotFound();
            return;
        }
        counts = await Configure.CardCountsAsync(tenant!, EntityType, CancellationToken.None);
        Show(config);
        loadedType = EntityType;
    }

    private void Show(BoardConfiguration config)
    {
        original = config;
        version = config.Version;
        stages = config.Stages.Select(s => new StageRow
        {
            Key = s.Key, StoredName = s.Name, Name = Text.StageName(EntityType, s), Outcome = s.Outcome,
            Soft = s.WipSoftLimit, Hard = s.WipHardLimit, RequiresReason = s.RequiresReason,
        }).ToList();
        removed.Clear();
        restrict = config.AllowedTransitions is not null;
        allowed = config.AllowedTransitions?.ToHashSet() ?? [];
        workStarted = config.WorkStartedStage;
        (dirty, showProblems, problems, conflict) = (false, false, [], null);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Once: a render while the script loads must not attach a second SortableJS to the same rows.
        if (stages is null || attaching) return;
        attaching = true;
        self ??= DotNetObjectReference.Create(this);
        module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/stage-order.js");
        attached = await module.InvokeAsync<IJSObjectReference>("attach", rowsElement, self);
        dragReady = true;
        StateHasChanged();
    }

    /// <summary>A stage dragged by its handle from one place to another.</summary>
    [JSInvokable]
    public Task Reorder(int from, int to)
    {
        if (stages is null || from < 0 || from >= stages.Count) return Task.CompletedTask;
        var row = stages[from];
        stages.RemoveAt(from);
        stages.Insert(Math.Clamp(to, 0, stages.Count), row);
        Changed();
        announcement = Text["Settings.Moved", row.Name, stages.IndexOf(row) + 1, stages.Count];
        return InvokeAsync(StateHasChanged);
    }

    private void MoveBy(int index, int by)
    {
        var to = index + by;
        if (stages is null || to < 0 || to >= stages.Count) return;
        (stages[index], stages[to]) = (stages[to], stages[index]);
        Changed();
        announcement = Text["Settings.Moved", stages[to].Name, to + 1, stages.Count];
    }

    private void Rename(StageRow row, string? name)
    {
        row.Name = name ?? "";
        Changed();
    }

    private void Change(Action change)
    {
        change();
        Changed();
    }

    private void Changed()
    {
        dirty = true;
        if (showProblems) problems = Check();
    }

    private void Add()
    {
        if (stages is null || string.IsNullOrWhiteSpace(newStageName)) return;
        var name = newStageName.Trim();
        var key = BoardConfigDiff.KeyFor(name, stages.Select(s => s.Key).Concat(removed.Select(r => r.Row.Key)).Concat(original!.Stages.Select(s => s.Key)));
        var row = new StageRow { Key = key, Name = name, Outcome = StageOutcome.Open };
        // Before the first closing stage, where a new working stage usually goes.
        var at = stages.FindIndex(s => s.Outcome != StageOutcome.Open);
        stages.Insert(at < 0 ? stages.Count : at, row);
        if (restrict)
            foreach (var other in stages.Where(s => s != row))
            {
                allowed.Add(new(other.Key, key));
                allowed.Add(new(key, other.Key));
            }
        newStageName = null;
        Changed();
        announcement = Text["Settings.Added", name];
    }

    private void AddOnEnter(KeyboardEventArgs e)
    {
        if (e.Key == "Enter") Add();
    }

    private void Remove(StageRow row)
    {
        if (stages is null || stages.Count == 1) return;
        stages.Remove(row);
        if (original!.Stages.Any(s => s.Key == row.Key)) removed.Add(new RemovedStage(row));
        allowed.RemoveWhere(t => t.From == row.Key || t.To == row.Key);
        if (workStarted == row.Key) workStarted = null;
        foreach (var gone in removed.Where(r => r.MoveTo == row.Key)) gone.MoveTo = null;
        Changed();
        announcement = Text["Settings.RemovedOne", row.Name];
    }

    private void Restore(RemovedStage gone)
    {
        removed.Remove(gone);
        var index = original!.Stages.ToList().FindIndex(s => s.Key == gone.Row.Key);
        stages!.Insert(Math.Clamp(index, 0, stages.Count), gone.Row);
        if (restrict)
            foreach (var pair in original.AllowedTransitions?.Where(t => t.From == gone.Row.Key || t.To == gone.Row.Key) ?? [])
                if (stages.Any(s => s.Key == pair.From) && stages.Any(s => s.Key == pair.To)) allowed.Add(pair);
        Changed();
    }

    private void Restrict(bool on)
    {
        restrict = on;
        // Restricting starts from "every move allowed", so that nothing changes until a box is cleared.
        if (on && allowed.Count == 0)
            allowed = stages!.SelectMany(a => stages!.Where(b => b != a).Select(b => new StageTransition(a.Key, b.Key))).ToHashSet();
        Changed();
    }

    private void Allow(StageTransition pair, bool on)
    {
        if (on) allowed.Add(pair);
        else allowed.Remove(pair);
        Changed();
    }

    private int CountOf(string key) => counts.GetValueOrDefault(key);

    private BoardConfiguration Proposal() => new(
        EntityType,
        version,
        stages!.Select(s => new BoardStage(s.Key, Stored(s), s.Outcome, s.Soft, s.Hard, s.RequiresReason)).ToList(),
        restrict ? allowed.Where(t => stages!.Any(s => s.Key == t.From) && stages!.Any(s => s.Key == t.To)).ToList() : null,
        workStarted)
    {
        MoveCardsTo = removed.Where(r => r.MoveTo is not null).ToDictionary(r => r.Row.Key, r => r.MoveTo!),
    };

    // An untouched default name is saved as stored, so that it stays translated for every reader.
    private string Stored(StageRow row) =>
        row.StoredName is { } stored && row.Name == Text.StageName(EntityType, new BoardStage(row.Key, stored, row.Outcome, null, null)) ? stored : row.Name;

    private IReadOnlyList<ConfigProblem> Check() => BoardConfigCheck.Validate(Proposal().Rules);

    private async Task SaveAsync()
    {
        showProblems = true;
        problems = Check();
        if (problems.Count > 0 || removed.Any(r => CountOf(r.Row.Key) > 0 && r.MoveTo is null))
        {
            announcement = Text["Settings.FixProblems"];
            return;
        }
        saving = true;
        try
        {
            var result = await Configure.SaveAsync(tenant!, Proposal(), Guid.NewGuid(), "ui", CancellationToken.None);
            switch (result.Outcome)
            {
                case ConfigureOutcome.Saved:
                    var saved = Text["Settings.Saved"];
                    await LoadAsync();
                    announcement = saved;
                    Snackbar.Add(result.MovedCards > 0 ? Text["Settings.SavedMoved", result.MovedCards] : saved, Severity.Success);
                    break;
                case ConfigureOutcome.Stale:
                    conflict = new Conflict(BoardConfigDiff.Between(original!.Rules, result.Current!.Rules), result.Current, result.ChangedBy, result.ChangedAt);
                    announcement = Text["Settings.Stale"];
                    break;
                case ConfigureOutcome.StageNotEmpty:
                    counts = await Configure.CardCountsAsync(tenant!, EntityType, CancellationToken.None);
                    announcement = Text["Settings.StillHolds"];
                    Snackbar.Add(announcement, Severity.Warning);
                    break;
                case ConfigureOutcome.Invalid:
                    problems = result.Problems ?? [];
                    announcement = Text["Settings.FixProblems"];
                    break;
                default:
                    forbidden = true;
                    break;
            }
        }
        finally
        {
            saving = false;
        }
    }

    private async Task DiscardAsync() => await UseTheirsAsync();

    /// <summary>Starts again from the configuration as it is now, dropping this Admin's edits.</summary>
    private async Task UseTheirsAsync()
    {
        await LoadAsync();
        announcement = Text["Settings.Reloaded"];
    }

    /// <summary>Keeps this Admin's edits, now knowing what the other changed: the next save is over their version.</summary>
    private void KeepMine()
    {
        if (conflict is null) return;
        original = conflict.Current with { MoveCardsTo = null };
        version = conflict.Current.Version;
        conflict = null;
        announcement = Text["Settings.KeepingMine"];
    }

    private string Describe(ConfigChange change, BoardConfiguration current)
    {
        var stage = change.Stage is null ? null
            : current.Stages.FirstOrDefault(s => s.Key == change.Stage) ?? original!.Stages.FirstOrDefault(s => s.Key == change.Stage);
        var name = stage is null ? change.Stage ?? "" : Text.StageName(EntityType, stage);
        string Limit(string? value) => value ?? Text["Settings.NoLimit"];
        string Stage(string? key) => key is null ? Text["Settings.NoStage"]
            : current.Stages.Concat(original!.Stages).FirstOrDefault(s => s.Key == key) is { } s ? Text.StageName(EntityType, s) : key;
        return change.Kind switch
        {
            ConfigChangeKind.StageAdded => Text["Settings.Change.StageAdded", name],
            ConfigChangeKind.StageRemoved => Text["Settings.Change.StageRemoved", change.From ?? name],
            ConfigChangeKind.StageRenamed => Text["Settings.Change.StageRenamed", change.From ?? "", change.To ?? ""],
            ConfigChangeKind.StagesReordered => Text["Settings.Change.StagesReordered", string.Join(" → ", current.Stages.Select(s => Text.StageName(EntityType, s)))],
            ConfigChangeKind.OutcomeChanged => Text["Settings.Change.OutcomeChanged", name, Text[$"Settings.Outcome.{change.To}"]],
            ConfigChangeKind.SoftLimitChanged => Text["Settings.Change.SoftLimitChanged", name, Limit(change.From), Limit(change.To)],
            ConfigChangeKind.HardLimitChanged => Text["Settings.Change.HardLimitChanged", name, Limit(change.From), Limit(change.To)],
            ConfigChangeKind.ReasonChanged => Text[change.To == "yes" ? "Settings.Change.ReasonOn" : "Settings.Change.ReasonOff", name],
            ConfigChangeKind.TransitionsChanged => Text["Settings.Change.TransitionsChanged"],
            ConfigChangeKind.WorkStartedChanged => Text["Settings.Change.WorkStartedChanged", Stage(change.From), Stage(change.To)],
            _ => change.Kind.ToString(),
        };
    }

    private IEnumerable<string> BoardProblems => problems.Where(p => !p.Field.StartsWith("stages[", StringComparison.Ordinal) && p.Field != "workStartedStage").Select(Message);

    private bool Has(int index, string field) => ErrorOf(index, field) is not null;

    private string? ErrorOf(int index, string field) =>
        problems.FirstOrDefault(p => p.Field == $"stages[{index}].{field}" || (field == "name" && p.Field == $"stages[{index}].id")) is { } p ? Message(p) : null;

    private string? ProblemOf(string field) => problems.FirstOrDefault(p => p.Field == field) is { } p ? Message(p) : null;

    private string Message(ConfigProblem problem) => Text[$"Config.Error.{problem.Code}", problem.Argument ?? ""];

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (attached is not null)
            {
                await attached.InvokeVoidAsync("dispose");
                await attached.DisposeAsync();
            }
            if (module is not null) await module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
        }
        self?.Dispose();
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Components;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// A live board: loads the tenant's board, listens to the board's room in <see cref="BoardHub"/>,
/// applies changes in sequence (reloading on a gap), and turns drops, keyboard moves and "Move to…"
/// into <see cref="MoveCard"/> calls. A drop is either saved or refused with a reason, and the card
/// always ends where it really is: changes heard mid-drag wait for the drop, the version a drop
/// expects is the one seen when the card was picked up, and a move that could not be saved (the
/// database unreachable) is taken back while the board keeps retrying until it is exact again.
/// </summary>
public sealed partial class LiveBoard : IAsyncDisposable
{
    private static readonly TimeSpan GapGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(1);
    // A drag that never reported its end (a lost event) stops holding changes back after this.
    private static readonly TimeSpan LongestDrag = TimeSpan.FromMinutes(1);
    private readonly CancellationTokenSource disposal = new();
    // Identifies this circuit's view to the hub, so that its own moves are not echoed back.
    private readonly Guid viewerId = Guid.NewGuid();
    private CurrentTenant? tenant;
    private BoardState? board;
    private IDisposable? subscription;
    private IDisposable? reconnections;
    private bool notFound;
    // The user's membership ended while the board was open (or before it loaded): the board is gone.
    private string? accessLost;
    private IReadOnlyList<CurrentTenant> otherMemberships = [];
    private bool canMove;
    private BoardPresence presence = BoardPresence.None;
    private BoardPresenceBar? presenceBar;
    private IReadOnlyDictionary<Guid, string>? viewEditing;
    // The stages this user collapsed here, and the whole cookie that remembers them (every user and board of this browser).
    private IReadOnlySet<string> collapsed = new HashSet<string>();
    private string? collapsedCookie;
    private string? message;
    // The latest WIP warning on this board (anyone's move), until closed.
    private string? wipNotice;
    private string? announcement;
    private int pendingMoves;
    private bool loading;
    private bool databaseDown;
    private bool recovering;
    private readonly List<BoardChange> heardWhileLoading = [];
    private PickedUp? dragging;
    private readonly List<BoardChange> heardWhileDragging = [];
    private TimeZoneInfo timeZone = TimeZoneInfo.Utc;
    // What this user's undo and redo would do next on this board (from the event log).
    private UndoPreview? undoNext;
    private UndoPreview? redoNext;
    private IJSObjectReference? keys;
    private DotNetObjectReference<LiveBoard>? self;
    private DateTimeOffset now;
    private BoardView? view;
    // The board's buttons' callbacks, made once (BoardActions renders only when what they show changes).
    private EventCallback undoButton, redoButton, asOfButton, importButton;
    // The card whose "Move to…" menu is open (the board has one menu).
    private BoardCard? menuCard;
    private System.Collections.Immutable.ImmutableArray<BoardStage> viewStages;
    private TenantRole? viewRole;
    // Each stage's column, to bring a card moved by keyboard into view.
    private readonly Dictionary<string, BoardColumn> columns = [];
    private BoardCount? count;
    // The stages a colleague's move touched and the count render in one batch through this.
    private RenderTogether? together;

    /// <summary>The card a drag began with, as the user saw it then.</summary>
    private sealed record PickedUp(Guid CardId, int Version, string Stage, DateTimeOffset At);

    [Parameter, EditorRequired] public required string EntityType { get; set; }
    /// <summary>A past moment to show the board as it was then (read-only); null: the live board.</summary>
    [Parameter] public DateTimeOffset? AsOf { get; set; }
    /// <summary>Which cards to show (from the board's address); none: all.</summary>
    [Parameter] public BoardFilter Filter { get; set; } = BoardFilter.None;
    [CascadingParameter] private Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState>? Authentication { get; set; }
    [CascadingParameter] private KanbanBlazor.Web.Components.UiPreferences? Preferences { get; set; }

    [Inject] private TenantContext Tenants { get; set; } = null!;
    /// <summary>The list ids of the closing stages' drop zones: the prefix and the stage's key.</summary>
    private const string DropZonePrefix = BoardDropZones.Prefix;
    private (IReadOnlyList<BoardStage> From, IReadOnlyList<BoardStage> Closing)? closingStages;

    /// <summary>The board's closing stages (the drop zones), the same list while the stages are.</summary>
    private IReadOnlyList<BoardStage> ClosingStages
    {
        get
        {
            var stages = board!.Stages;
            if (closingStages is not { } made || !ReferenceEquals(made.From, stages))
                closingStages = made = (stages, stages.Where(s => s.Outcome != StageOutcome.Open).ToList());
            return made.Closing;
        }
    }
    private bool rememberCookie;
    private IReadOnlyDictionary<string, StageUsualTime> usualTimes = new Dictionary<string, StageUsualTime>();
    [Inject] private TenantResolver Resolver { get; set; } = null!;
    [Inject] private LoadBoard LoadBoard { get; set; } = null!;
    [Inject] private MoveCard MoveCard { get; set; } = null!;
    [Inject] private BoardHub Hub { get; set; } = null!;
    [Inject] private BoardText Text { get; set; } = null!;
    [Inject] private TimeProvider Clock { get; set; } = null!;
    [Inject] private ILogger<LiveBoard> Logger { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;
    [Inject] private MudBlazor.IDialogService Dialogs { get; set; } = null!;
    [Inject] private MudBlazor.ISnackbar Snackbar { get; set; } = null!;
    [Inject] private UndoMove Undo { get; set; } = null!;
    [Inject] private CardHistory History { get; set; } = null!;
    [Inject] private BoardLog Log { get; set; } = null!;
    [Inject] private BoardSnapshots Snapshots { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private CircuitConnection Connection { get; set; } = null!;
    [Inject] private StageTimes StageTimes { get; set; } = null!;
    [Inject] private BoardPreferences BoardPreferences { get; set; } = null!;
    [Inject] private CardSearch Search { get; set; } = null!;
    [Inject] private Cards.CardWrites CardWrites { get; set; } = null!;

    // The filtered board: the ids PostgreSQL found, kept up to date card by card as changes are heard,
    // and each stage's shown cards, made again only when its cards or the matches change.
    private HashSet<Guid>? matching;
    private BoardFilter? searched;
    private int matchVersion;
    private readonly Dictionary<string, (IReadOnlyList<BoardCard> Source, int Version, IReadOnlyList<BoardCard> Shown)> shown = [];

    private bool Filtering => matching is not null;

    /// <summary>The cards a stage shows: all of them, or those the filter matches.</summary>
    private IReadOnlyList<BoardCard> Visible(string stage)
    {
        var all = board!.CardsIn(stage);
        if (matching is null) return all;
        if (shown.TryGetValue(stage, out var known) && ReferenceEquals(known.Source, all) && known.Version == matchVersion) return known.Shown;
        var cards = all.Where(c => matching.Contains(c.Id)).ToList();
        shown[stage] = (all, matchVersion, cards);
        return cards;
    }

    /// <summary>Asks PostgreSQL which cards the filter shows, when the filter is new.</summary>
    private async Task SearchAsync()
    {
        if (tenant is null || AsOf is not null || Equals(searched, Filter)) return;
        searched = Filter;
        matching = Filter.IsEmpty ? null : await Search.MatchingAsync(tenant, EntityType, Filter, Clock.GetUtcNow(), disposal.Token);
        matchVersion++;
        shown.Clear();
    }

    /// <summary>A card that changed while the board was open is shown or not by the same rule, for that card alone.</summary>
    private void Rematch(BoardEvent change)
    {
        if (matching is null || tenant is null || board is null) return;
        Guid? id = change switch
        {
            CardCreated created => created.Card.Id,
            CardUpdated updated => updated.Card.Id,
            CardMoved moved => moved.CardId,
            CardDeleted deleted => deleted.CardId,
            _ => null,
        };
        if (id is not { } cardId) return;
        var matches = board.Find(cardId) is { } card && Filter.Matches(card, tenant.UserId, Clock.GetUtcNow());
        if (matches ? matching.Add(cardId) : matching.Remove(cardId)) matchVersion++;
    }

    protected override async Task OnParametersSetAsync()
    {
        if (board is null || Equals(searched, Filter)) return;
        await SearchAsync();
    }

    private string Title => Text.BoardName(EntityType);

    protected override async Task OnInitializedAsync()
    {
        undoButton = EventCallback.Factory.Create(this, () => UndoOrRedoAsync(UndoKind.Undo));
        redoButton = EventCallback.Factory.Create(this, () => UndoOrRedoAsync(UndoKind.Redo));
        asOfButton = EventCallback.Factory.Create(this, PickAsOfAsync);
        importButton = EventCallback.Factory.Create(this, ImportAsync);
        // Prerendering shows the shell and "Loading"; the board loads, and subscribes, once interactive.
        if (!RendererInfo.IsInteractive) return;
        try
        {
            tenant = await Tenants.GetAsync(disposal.Token);
        }
        catch (TenantNotFoundException)
        {
            // Signed in, but not (or no longer) a member of the organisation they were working in.
            if (Authentication is not null && (await Authentication).User.UserId() is { } userId) await LoseAccessAsync(userId, "");
            else notFound = true;
            return;
        }
        canMove = AsOf is null && BoardPermissions.CanMoveSomeCards(tenant.Role);
        collapsedCookie = Preferences?.Collapsed;
        collapsed = UiPreferences.CollapsedStages(collapsedCookie, tenant.UserId, EntityType);
        // From the page request's cookie, so that the board loads at once; the browser is asked once the
        // board is showing (the cookie may be missing, or stale after travelling), and has the last word.
        timeZone = Preferences?.TimeZone ?? TimeZoneInfo.Utc;
        if (AsOf is not null)
        {
            timeZone = await BrowserTimeZoneAsync() ?? timeZone;
            // A past moment: rebuilt from snapshots and the log, read-only, and nothing live to hear.
            await ReloadOrRecoverAsync();
            return;
        }
        // Subscribe before loading: a change committed in between has a sequence the loaded board
        // already includes (ignored) or the next one (applied), never a silent loss.
        subscription = Hub.Subscribe(tenant.TenantId, EntityType,
            new BoardViewer(viewerId, tenant.UserId, change => OnBoardChangesAsync([change]), OnAccessChangedAsync)
            {
                OnChanges = OnBoardChangesAsync, UserName = tenant.UserDisplayName, OnPresence = OnPresenceAsync,
                // Changes from other instances may have been missed: read from the log by sequence.
                OnResync = () => InvokeAsync(async () =>
                {
                    await CatchUpAsync();
                    StateHasChanged();
                }),
            });
        // Back from a lost connection: whatever was committed meanwhile is read from the log by sequence.
        reconnections = Connection.OnReconnected(() => InvokeAsync(async () =>
        {
            await CatchUpAsync();
            StateHasChanged();
        }));
        await ReloadOrRecoverAsync();
        usualTimes = await StageTimes.UsualAsync(tenant.TenantId, EntityType, disposal.Token);
        await SearchAsync();
        // What the user collapsed on another device wins over this browser's cookie, which then follows.
        if (await BoardPreferences.CollapsedAsync(tenant, EntityType, disposal.Token) is { } remembered && !remembered.SetEquals(collapsed))
        {
            collapsed = remembered;
            collapsedCookie = UiPreferences.WithCollapsed(collapsedCookie, tenant.UserId, EntityType, remembered);
            rememberCookie = true;
        }
        // The cards first; the undo buttons follow a moment later (they read the user's last moves).
        StateHasChanged();
        await RefreshUndoAsync();
        if (await BrowserTimeZoneAsync() is { } browserZone && browserZone.Id != timeZone.Id) timeZone = browserZone;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (rememberCookie)
        {
            rememberCookie = false;
            await RememberCollapsedInBrowserAsync();
        }
        if (keys is not null || board is null || !canMove) return;
        try
        {
            self = DotNetObjectReference.Create(this);
            await using var module = await JS.InvokeAsync<IJSObjectReference>("import", disposal.Token, "./js/board-keys.js");
            keys = await module.InvokeAsync<IJSObjectReference>("listen", disposal.Token, self);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException)
        {
            // No shortcuts, the buttons still work.
        }
    }

    [JSInvokable]
    public Task UndoFromKeyboard() => InvokeAsync(() => UndoOrRedoAsync(UndoKind.Undo));

    [JSInvokable]
    public Task RedoFromKeyboard() => InvokeAsync(() => UndoOrRedoAsync(UndoKind.Redo));

    /// <summary>Asks for a past moment and shows the board as it was then (a page of its own: ?asOf=).</summary>
    private async Task PickAsOfAsync()
    {
        var parameters = new MudBlazor.DialogParameters<BoardAsOfDialog> { { d => d.TimeZone, timeZone }, { d => d.Now, Clock.GetUtcNow() } };
        var dialog = await Dialogs.ShowAsync<BoardAsOfDialog>(Text["AsOf.Title"], parameters,
            new MudBlazor.DialogOptions { MaxWidth = MudBlazor.MaxWidth.ExtraSmall, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is { Canceled: false, Data: DateTimeOffset at })
            Navigation.NavigateTo($"/board/{EntityType}?asOf={Uri.EscapeDataString(at.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))}");
    }

    private async Task RefreshUndoAsync()
    {
        if (tenant is null || !canMove) return;
        try
        {
            (undoNext, redoNext) = await Undo.PeekAsync(tenant, EntityType, disposal.Token);
        }
        catch (Exception ex) when (!disposal.IsCancellationRequested)
        {
            Logger.LogWarning(ex, "Reading the undo stack of board {EntityType} failed", EntityType);
            (undoNext, redoNext) = (null, null);
        }
    }

    private string UndoLabel => undoNext is { } next ? Text["Undo.Label", next.CardTitle, StageNameOf(next.ToStage) ?? next.ToStage] : Text["Undo.Nothing"];

    private string RedoLabel => redoNext is { } next ? Text["Redo.Label", next.CardTitle, StageNameOf(next.ToStage) ?? next.ToStage] : Text["Redo.Nothing"];

    /// <summary>Undoes (or redoes) this user's last move on the board, through the same checks as a move.</summary>
    private async Task UndoOrRedoAsync(UndoKind kind, string? reason = null, bool wipOverride = false)
    {
        if (board is null || tenant is null || !canMove) return;
        var next = kind == UndoKind.Undo ? undoNext : redoNext;
        message = null;
        var result = await WriteAsync(() => Undo.ExecuteAsync(tenant, EntityType, kind, viewerId, "board", reason, wipOverride, CancellationToken.None));
        if (result is null) return;
        if (!result.Succeeded)
        {
            await RefreshUndoAsync();
            if (next is not null && await AskReasonAsync(result.Decision, next.ToStage) is { } retry)
            {
                message = null;
                await UndoOrRedoAsync(kind, retry.Reason, retry.Override);
            }
            StateHasChanged();
            return;
        }
        ApplyOwn(result);
        if (result.Moved is { } moved && board?.Find(moved.CardId) is { } card)
            announcement = Text[kind == UndoKind.Undo ? "Undo.Done" : "Redo.Done", card.Title, StageNameOf(moved.ToStage) ?? moved.ToStage];
        await RefreshUndoAsync();
        StateHasChanged();
    }

    /// <summary>A card opened from the board: to read, or to edit when the viewer may (the dialog takes its edit lock).</summary>
    private Task OpenCardAsync(BoardCard card) => ShowCardAsync(card.Id, card.Stage, card.Title);

    /// <summary>The stage's "+": a new card for it.</summary>
    private Task AddCardAsync(string stage) => ShowCardAsync(null, stage, null);

    /// <summary>A card with just a title, at the top of a stage (the board hears it like anyone's).</summary>
    private async Task<string?> QuickAddAsync(string stage, string title)
    {
        if (tenant is null) return Text["CardForm.NotPermitted"];
        var stageName = StageNameOf(stage) ?? stage;
        try
        {
            var result = await CardWrites.CreateAsync(tenant, EntityType, new Cards.CardWrites.CreateRequest(stage, new CardDraft { Title = title }),
                Guid.NewGuid(), "board", disposal.Token);
            if (result.Succeeded)
            {
                Said(Text["CardForm.Created", result.Card!.Fields.Title, stageName]);
                return null;
            }
            return result.Outcome switch
            {
                Cards.CardWriteOutcome.Invalid when result.Errors.Count > 0 => Text.FieldError(result.Errors[0]),
                Cards.CardWriteOutcome.WipHardLimit => Text["CardForm.WipHard", stageName, result.Wip?.HardLimit ?? 0],
                Cards.CardWriteOutcome.ReasonRequired => Text["QuickAdd.ReasonNeeded", stageName],
                _ => Text["CardForm.NotPermitted"],
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogError(ex, "Adding a card to stage {Stage} failed", stage);
            return Text["CardForm.Failed"];
        }
    }

    private async Task ShowCardAsync(Guid? cardId, string stage, string? title)
    {
        if (tenant is null) return;
        var stageName = StageNameOf(stage) ?? stage;
        var parameters = new MudBlazor.DialogParameters<Cards.CardDialog>
        {
            { d => d.Tenant, tenant },
            { d => d.EntityType, EntityType },
            { d => d.CardId, cardId },
            { d => d.Stage, stage },
            { d => d.StageLabel, stageName },
            { d => d.TimeZone, timeZone },
            { d => d.StageName, key => StageNameOf(key) ?? key },
        };
        var dialog = await Dialogs.ShowAsync<Cards.CardDialog>(title ?? Text["CardForm.NewTitle", stageName], parameters,
            new MudBlazor.DialogOptions { MaxWidth = MudBlazor.MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true, BackdropClick = false });
        // The board hears the change itself, like anyone's; what is said here is for screen readers.
        if (await dialog.Result is { Canceled: false, Data: string done })
            Said(done);
    }

    /// <summary>A stage collapsed or expanded: the board renders with it, and the browser remembers it for this user.</summary>
    private async Task ToggleCollapseAsync(string stage)
    {
        if (tenant is null) return;
        var now = collapsed.ToHashSet();
        if (!now.Remove(stage)) now.Add(stage);
        collapsed = now;
        collapsedCookie = UiPreferences.WithCollapsed(collapsedCookie, tenant.UserId, EntityType, now);
        announcement = Text[now.Contains(stage) ? "Stage.Collapsed" : "Stage.Expanded", StageNameOf(stage) ?? stage];
        StateHasChanged();
        await RememberCollapsedInBrowserAsync();
        try
        {
            await BoardPreferences.RememberAsync(tenant, EntityType, now, disposal.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Collapsed here, and in this browser's cookie; other devices will not know.
            Logger.LogWarning(ex, "Remembering the collapsed stages of board {EntityType} failed", EntityType);
        }
    }

    private async Task RememberCollapsedInBrowserAsync()
    {
        try
        {
            await using var module = await JS.InvokeAsync<IJSObjectReference>("import", disposal.Token, "./js/preferences.js");
            await module.InvokeVoidAsync("remember", disposal.Token, UiPreferences.CollapsedCookie, collapsedCookie);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException)
        {
            // Collapsed for now; not remembered for the next visit.
        }
    }

    /// <summary>What a dialog did, said to screen readers and shown in a snackbar.</summary>
    private void Said(string done)
    {
        announcement = done;
        Snackbar.Add(done, MudBlazor.Severity.Success);
        StateHasChanged();
    }

    /// <summary>Cards from a CSV file; the board hears them like anyone's new cards.</summary>
    private async Task ImportAsync()
    {
        if (tenant is null) return;
        var parameters = new MudBlazor.DialogParameters<Cards.ImportDialog>
        {
            { d => d.Tenant, tenant },
            { d => d.EntityType, EntityType },
            { d => d.BoardName, Title },
        };
        var dialog = await Dialogs.ShowAsync<Cards.ImportDialog>(Text["Import.Title", Title], parameters,
            new MudBlazor.DialogOptions { MaxWidth = MudBlazor.MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true });
        if (await dialog.Result is { Canceled: false, Data: string done })
            Said(done);
    }

    private async Task ShowHistoryAsync(BoardCard card)
    {
        if (tenant is null) return;
        IReadOnlyList<CardHistoryEntry> entries;
        try
        {
            entries = await History.ExecuteAsync(tenant, EntityType, card.Id, disposal.Token);
        }
        catch (TenantNotFoundException)
        {
            await LoseAccessAsync(tenant.UserId, tenant.Name);
            StateHasChanged();
            return;
        }
        var parameters = new MudBlazor.DialogParameters<CardHistoryDialog>
        {
            { d => d.CardTitle, card.Title },
            { d => d.Entries, entries },
            { d => d.StageName, key => StageNameOf(key) ?? key },
            { d => d.TimeZone, timeZone },
            { d => d.EntityType, EntityType },
        };
        await Dialogs.ShowAsync<CardHistoryDialog>(Text["History.Title", card.Title], parameters,
            new MudBlazor.DialogOptions { MaxWidth = MudBlazor.MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true });
    }

    /// <summary>
    /// Runs one of this viewer's board writes: counted as pending while it saves; when it could not be
    /// saved (the database unreachable), <paramref name="takeBack"/> undoes what the board showed, the
    /// board says so and retries until exact, and the result is null; a refusal is shown and the board
    /// reloaded.
    /// </summary>
    private async Task<MoveResult?> WriteAsync(Func<Task<MoveResult>> write, Action? takeBack = null)
    {
        MoveResult result;
        pendingMoves++;
        StateHasChanged();
        try
        {
            result = await write();
        }
        catch (Exception ex)
        {
            Logger.LogWarning(ex, "A write to board {EntityType} failed", EntityType);
            if (disposal.IsCancellationRequested) return null;
            takeBack?.Invoke();
            message = Text["Move.NotSaved"];
            announcement = message;
            databaseDown = true;
            StartRecovery();
            return null;
        }
        finally
        {
            pendingMoves--;
        }
        if (disposal.IsCancellationRequested) return null;
        if (!result.Succeeded)
        {
            message = Text.Refusal(result.Decision, StageNameOf, timeZone);
            announcement = message;
            await ReloadOrRecoverAsync();
        }
        return result;
    }

    /// <summary>Applies what this viewer's own write committed (the hub does not echo it back).</summary>
    private void ApplyOwn(MoveResult result)
    {
        if (board is null) return;
        var inSequence = true;
        foreach (var committed in result.Events)
        {
            Notice(committed.Event);
            inSequence = board.TryApply(committed.Sequence, committed.Event);
        }
        if (!inSequence) ReloadUnlessGapCloses();
    }

    /// <returns>the browser's time zone, or null when it cannot say (or names one this server does not know)</returns>
    private async Task<TimeZoneInfo?> BrowserTimeZoneAsync()
    {
        try
        {
            await using var browser = await JS.InvokeAsync<IJSObjectReference>("import", disposal.Token, "./js/browser.js");
            var id = await browser.InvokeAsync<string>("timeZone", disposal.Token);
            return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
        }
        catch (JSException)
        {
            return null;
        }
    }

    private async Task ReloadAsync()
    {
        loading = true;
        try
        {
            now = Clock.GetUtcNow();
            board = AsOf is { } asOf
                ? await Snapshots.AsOfAsync(tenant!, EntityType, asOf, disposal.Token) is { } past ? new BoardState(past) : null
                : await LoadBoard.ExecuteAsync(tenant!, EntityType, disposal.Token);
            notFound = board is null;
            // Changes heard while reading may or may not be in what was read; the sequence decides.
            foreach (var change in heardWhileLoading.OrderBy(c => c.Sequence)) board?.TryApply(change.Sequence, change.Event, change.Board);
            heardWhileLoading.Clear();
        }
        finally
        {
            loading = false;
        }
        ReloadUnlessGapCloses();
    }

    /// <summary>
    /// Applies, in order, the events committed after the board's sequence, read from the event log
    /// (after a reconnect, or when a live message went missing); reloads only when the log cannot say
    /// (too many, or from before the log kept enough) or a gap remains.
    /// </summary>
    private async Task CatchUpAsync()
    {
        if (board is null || loading || tenant is null || accessLost is not null) return;
        IReadOnlyList<SequencedEvent>? missed;
        var from = board.Sequence;
        try
        {
            missed = await Log.SinceAsync(tenant, EntityType, from, disposal.Token);
        }
        catch (Exception ex) when (!disposal.IsCancellationRequested)
        {
            Logger.LogWarning(ex, "Catching up board {EntityType} failed; reloading", EntityType);
            await ReloadOrRecoverAsync();
            return;
        }
        if (missed is null)
        {
            await ReloadOrRecoverAsync();
            return;
        }
        foreach (var change in missed)
        {
            Notice(change.Event);
            board.TryApply(change.Sequence, change.Event);
        }
        if (missed.Count > 0) Logger.LogInformation("Board {EntityType} caught up on {Count} change(s) after {Sequence}", EntityType, missed.Count, from);
        if (board.MissingSequence is not null) await ReloadOrRecoverAsync();
    }

    /// <summary>Reloads; if the database cannot be reached, says so and keeps trying in the background.</summary>
    private async Task ReloadOrRecoverAsync()
    {
        try
        {
            await ReloadAsync();
            if (databaseDown) announcement = Text["Board.DatabaseBack"];
            databaseDown = false;
        }
        catch (TenantNotFoundException)
        {
            databaseDown = false;
            await LoseAccessAsync(tenant!.UserId, tenant.Name);
        }
        catch (Exception ex) when (!disposal.IsCancellationRequested)
        {
            Logger.LogWarning(ex, "Loading board {EntityType} failed; retrying", EntityType);
            databaseDown = true;
            StartRecovery();
        }
    }

    private void StartRecovery()
    {
        if (recovering) return;
        recovering = true;
        _ = Task.Run(async () =>
        {
            try
            {
                while (databaseDown && !disposal.IsCancellationRequested)
                {
                    await Task.Delay(RecoveryInterval, disposal.Token);
                    await InvokeAsync(async () =>
                    {
                        await ReloadOrRecoverAsync();
                        StateHasChanged();
                    });
                }
            }
            catch (OperationCanceledException)
            {
                // The board was closed.
            }
            finally
            {
                recovering = false;
            }
        });
    }

    /// <summary>Changes heard from the hub, in order (one commit's events, or a burst): applied together,
    /// then one render for them all.</summary>
    private Task OnBoardChangesAsync(IReadOnlyList<BoardChange> changes) => InvokeAsync(() =>
    {
        if (accessLost is not null) return;
        var noticed = wipNotice;
        foreach (var change in changes) Notice(change.Event);
        if (loading || board is null)
        {
            heardWhileLoading.AddRange(changes);
            return;
        }
        if (dragging is not null && Clock.GetUtcNow() - dragging.At < LongestDrag)
        {
            // SortableJS owns the dragged element until the drop; re-rendering now would pull it away.
            heardWhileDragging.AddRange(changes);
            return;
        }
        dragging = null;
        var before = (board.Current, Held: heardWhileDragging.Count);
        ApplyHeldChanges();
        var inSequence = true;
        foreach (var change in changes) inSequence = board.TryApply(change.Sequence, change.Event, change.Board);
        foreach (var change in changes) Rematch(change.Event);
        if (!inSequence) ReloadUnlessGapCloses();
        if (inSequence && before.Held == 0 && !Filtering && ReferenceEquals(noticed, wipNotice) && ShowInColumns(before.Current, board.Current)) return;
        StateHasChanged();
    });

    /// <summary>
    /// A colleague's cards moved, nothing else: the stages they touched and the count render on their
    /// own, and the board itself does not (its header, menus, buttons and every other stage stay as they
    /// are), all in one render batch. This is what every open board does for every move, so it is kept small.
    /// </summary>
    /// <returns>false when something else changed (stages, the board's own state): the board renders</returns>
    private bool ShowInColumns(BoardSnapshot before, BoardSnapshot after)
    {
        if (before.Stages != after.Stages || count is null) return false;
        var touched = new List<(BoardColumn Column, BoardStage Stage)>(2);
        foreach (var stage in after.Stages)
        {
            if (ReferenceEquals(before.CardsIn(stage.Key), after.CardsIn(stage.Key)) && before.TotalValueIn(stage.Key) == after.TotalValueIn(stage.Key)
                && before.WeightedValueIn(stage.Key) == after.WeightedValueIn(stage.Key)) continue;
            if (!columns.TryGetValue(stage.Key, out var column)) return false;
            touched.Add((column, stage));
        }
        if (together is null) return false;
        together.Run(() =>
        {
            foreach (var (column, stage) in touched) column.Show(after.CardsIn(stage.Key), after.TotalValueIn(stage.Key), after.WeightedValueIn(stage.Key));
            count.Show(after.Sequence, after.CardCount);
        });
        return true;
    }

    /// <summary>Who else views the board, and who edits which card: the avatars render on their own; a
    /// change in who edits what renders the stages (their cards say "… is editing").</summary>
    private Task OnPresenceAsync(BoardPresence now) => InvokeAsync(() =>
    {
        if (now.Version <= presence.Version) return;
        var editingChanged = !ReferenceEquals(presence.Editing, now.Editing) && !(presence.Editing.Count == 0 && now.Editing.Count == 0);
        presence = now;
        presenceBar?.Show(now);
        if (editingChanged && board is not null) StateHasChanged();
    });

    /// <summary>The name of whoever else is editing the card now (null: nobody, or this user).</summary>
    private string? EditedBy(BoardCard card) =>
        presence.Editing.TryGetValue(card.Id, out var name) && name != tenant?.UserDisplayName ? name : null;

    /// <summary>The hub's word that this user's membership changed: a new role, or none at all.</summary>
    private Task OnAccessChangedAsync(CurrentTenant? access) => InvokeAsync(async () =>
    {
        if (access is null)
        {
            if (tenant is not null) await LoseAccessAsync(tenant.UserId, tenant.Name);
        }
        else if (tenant is not null && access.Role != tenant.Role)
        {
            tenant = access;
            canMove = BoardPermissions.CanMoveSomeCards(access.Role);
            announcement = Text["Access.RoleChanged", Text[$"Role.{access.Role}"]];
        }
        StateHasChanged();
    });

    /// <param name="organisation">the organisation's name, or "" when the user was never shown its board</param>
    private async Task LoseAccessAsync(Guid userId, string organisation)
    {
        if (accessLost is not null) return;
        subscription?.Dispose();
        subscription = null;
        accessLost = organisation;
        board = null;
        dragging = null;
        heardWhileDragging.Clear();
        heardWhileLoading.Clear();
        message = null;
        announcement = organisation.Length > 0 ? Text["Access.LostTitle", organisation] : Text["Access.NoneTitle"];
        try
        {
            otherMemberships = (await Resolver.MembershipsAsync(userId, disposal.Token)).Where(m => m.TenantId != tenant?.TenantId).ToList();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogWarning(ex, "Reading the memberships of a user who lost access failed");
        }
    }

    /// <summary>Says what a board event means to people, when it means more than the cards show.</summary>
    private void Notice(BoardEvent change)
    {
        if (change is not WipWarning warning) return;
        wipNotice = Text["Board.WipWarning", StageNameOf(warning.Stage) ?? warning.Stage, warning.Count, warning.SoftLimit];
        announcement = wipNotice;
    }

    private void ApplyHeldChanges()
    {
        if (board is null || heardWhileDragging.Count == 0) return;
        var gap = false;
        foreach (var held in heardWhileDragging.OrderBy(c => c.Sequence)) gap = !board.TryApply(held.Sequence, held.Event, held.Board);
        heardWhileDragging.Clear();
        if (gap) ReloadUnlessGapCloses();
    }

    private Task OnDragStartedAsync(string itemId)
    {
        if (board?.Find(Guid.TryParse(itemId, out var id) ? id : Guid.Empty) is { } card)
            dragging = new PickedUp(card.Id, card.Version, card.Stage, Clock.GetUtcNow());
        return Task.CompletedTask;
    }

    private Task OnDragCancelledAsync(string itemId) => InvokeAsync(() =>
    {
        dragging = null;
        if (heardWhileDragging.Count == 0) return;
        ApplyHeldChanges();
        StateHasChanged();
    });

    private Task OnCardDroppedAsync(SortableDrop drop)
    {
        var picked = dragging;
        dragging = null;
        ApplyHeldChanges();
        if (board is null || !Guid.TryParse(drop.ItemId, out var cardId) || board.Find(cardId) is not { } card) return Task.CompletedTask;
        if (picked?.CardId == cardId && card.Version != picked.Version)
        {
            // Someone else moved this very card while it was being dragged: this drop does not win.
            message = Text["Move.MovedWhileDragging"];
            announcement = message;
            return Task.CompletedTask;
        }
        var expected = picked?.CardId == cardId ? (picked.Version, picked.Stage) : (card.Version, card.Stage);
        // Dropped on a closing stage's zone at the bottom of the screen: to the top of that stage.
        if (drop.ToListId.StartsWith(DropZonePrefix, StringComparison.Ordinal))
            return MoveAsync(card, drop.ToListId[DropZonePrefix.Length..], 0, expected.Version, expected.Stage, "board");
        return MoveAsync(card, drop.ToListId, DropIndex(drop, cardId), expected.Version, expected.Stage, "board");
    }

    /// <summary>Where a drop put the card among the target stage's other cards: below the card it landed
    /// under, or above the one it landed over (a stage may be rendered only in part), else at its index.</summary>
    private int DropIndex(SortableDrop drop, Guid cardId)
    {
        var others = board!.CardsIn(drop.ToListId);
        // The neighbour's index among the stage's cards other than the dropped one.
        int IndexOf(string? id)
        {
            if (!Guid.TryParse(id, out var neighbour)) return -1;
            var index = 0;
            foreach (var other in others)
            {
                if (other.Id == cardId) continue;
                if (other.Id == neighbour) return index;
                index++;
            }
            return -1;
        }
        if (IndexOf(drop.AfterId) is >= 0 and var after) return after + 1;
        if (IndexOf(drop.BeforeId) is >= 0 and var before) return before;
        return drop.NewIndex;
    }

    private Task OnMoveToAsync(Guid cardId, string stageKey)
    {
        if (board?.Find(cardId) is not { } card) return Task.CompletedTask;
        var stage = board.Stages.FirstOrDefault(s => s.Key == stageKey);
        if (stage is null) return Task.CompletedTask;
        announcement = Text["Move.Announce", StageName(stage), 1];
        return MoveAsync(card, stageKey, 0, card.Version, card.Stage, "menu");
    }

    private async Task MoveAsync(BoardCard card, string toStage, int toIndex, int expectedVersion, string fromStage, string source,
        string? reason = null, bool wipOverride = false)
    {
        if (board is null || tenant is null) return;
        message = null;
        // The card it now follows, as this viewer sees the stage (without the moved card itself).
        var afterCardId = toIndex > 0
            ? board.CardsIn(toStage).Where(c => c.Id != card.Id).ElementAtOrDefault(toIndex - 1)?.Id
            : null;
        var original = board.MoveLocally(card.Id, toStage, toIndex);
        if (source == "keyboard" && columns.GetValueOrDefault(toStage) is { } column) column.Reveal(toIndex);
        StateHasChanged();

        // Not cancelled when the page goes away: a card the user dropped is saved even if they
        // reload or navigate away at once. Not saved, so not shown as done: the card goes back.
        var result = await WriteAsync(
            () => MoveCard.ExecuteAsync(tenant, EntityType, new MoveRequest(card.Id, expectedVersion, toStage, toIndex, afterCardId, fromStage, reason, wipOverride),
                viewerId, source, CancellationToken.None),
            () => { if (original is not null) board.Restore(original); });
        if (result is null) return;
        if (!result.Succeeded)
        {
            // A move that only lacked a reason (or, for a Manager or Admin, an override) can be made
            // again with one: ask, then move the card as it is now.
            if (await AskReasonAsync(result.Decision, toStage) is { } retry && board?.Find(card.Id) is { } now)
            {
                message = null;
                await MoveAsync(now, toStage, toIndex, now.Version, now.Stage, source, retry.Reason, retry.Override);
            }
            return;
        }
        ApplyOwn(result);
        if (original is not null) board?.Confirmed();
        await RefreshUndoAsync();
        if (result.Moved is { } moved)
        {
            // The way back, right where the user looks after a move.
            Snackbar.Add(Text["Undo.Moved", card.Title, StageNameOf(moved.ToStage) ?? moved.ToStage], MudBlazor.Severity.Normal, options =>
            {
                options.Action = Text["Undo.Button"];
                options.ActionColor = MudBlazor.Color.Primary;
                options.VisibleStateDuration = 6000;
                options.OnClick = _ => InvokeAsync(() => UndoOrRedoAsync(UndoKind.Undo));
            });
        }
        StateHasChanged();
    }

    private async Task<(string Reason, bool Override)?> AskReasonAsync(MoveDecision decision, string toStage)
    {
        var stage = StageNameOf(toStage) ?? toStage;
        (string Title, string Explanation, string Confirm, bool Override) ask;
        if (decision is { Refusal: MoveRefusal.ReasonRequired, Wip: null })
            ask = (Text["MoveReason.ReasonTitle", stage], Text["MoveReason.ReasonExplanation", stage], Text["MoveReason.Move"], false);
        else if (decision is { Refusal: MoveRefusal.WipHardLimit, Wip.HardLimit: { } limit } && tenant is not null && BoardPermissions.CanOverrideWip(tenant.Role))
            ask = (Text["MoveReason.OverrideTitle", stage], Text["MoveReason.OverrideExplanation", stage, limit], Text["MoveReason.Override"], true);
        else
            return null;
        StateHasChanged(); // the refusal and the card back in place show behind the dialog
        var parameters = new MudBlazor.DialogParameters<MoveReasonDialog>
        {
            { d => d.Title, ask.Title },
            { d => d.Explanation, ask.Explanation },
            { d => d.ConfirmLabel, ask.Confirm },
        };
        var dialog = await Dialogs.ShowAsync<MoveReasonDialog>(ask.Title, parameters,
            new MudBlazor.DialogOptions { MaxWidth = MudBlazor.MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var answer = await dialog.Result;
        return answer is { Canceled: false, Data: string reason } ? (reason, ask.Override) : null;
    }

    // Concurrent commits can be published out of order; a missing change usually arrives within
    // milliseconds. One that is still missing after the grace period was lost: reload.
    private void ReloadUnlessGapCloses()
    {
        var missing = board?.MissingSequence;
        if (missing is null) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(GapGrace, disposal.Token);
                await InvokeAsync(async () =>
                {
                    if (board?.MissingSequence != missing) return;
                    Logger.LogInformation("Board {EntityType} missed change {Sequence}; catching up from the log", EntityType, missing);
                    await CatchUpAsync();
                    StateHasChanged();
                });
            }
            catch (OperationCanceledException)
            {
                // The board was closed.
            }
            catch (Exception ex)
            {
                await DispatchExceptionAsync(ex);
            }
        });
    }

    private Task OnCardKeyMoveAsync(SortableKeyMove move)
    {
        if (board is null || !Guid.TryParse(move.ItemId, out var cardId) || board.Find(cardId) is not { } card) return Task.CompletedTask;
        var stageIndex = board.Stages.ToList().FindIndex(s => s.Key == move.ListId);
        var all = board.CardsIn(move.ListId).ToList();
        var index = all.FindIndex(c => c.Id == cardId);
        if (stageIndex < 0 || index < 0) return Task.CompletedTask;
        // Up or down past the card shown next to it (on a filtered board, hidden cards in between stay put).
        var visible = Visible(move.ListId).ToList();
        var at = visible.FindIndex(c => c.Id == cardId);
        int Beside(int by) => at + by >= 0 && at + by < visible.Count ? all.FindIndex(c => c.Id == visible[at + by].Id) : by < 0 ? -1 : all.Count;
        (int Stage, int Index) target = move.Direction switch
        {
            "left" => (stageIndex - 1, 0),
            "right" => (stageIndex + 1, 0),
            "up" => (stageIndex, Beside(-1)),
            "down" => (stageIndex, Beside(1)),
            _ => (-1, -1),
        };
        var sameStageEnd = target.Stage == stageIndex && target.Index >= all.Count;
        if (target.Stage < 0 || target.Stage >= board.Stages.Count || target.Index < 0 || sameStageEnd) return Task.CompletedTask;
        var stage = board.Stages[target.Stage];
        announcement = Text["Move.Announce", StageName(stage), target.Index + 1];
        return MoveAsync(card, stage.Key, target.Index, card.Version, card.Stage, "keyboard");
    }

    private bool CanMove(BoardCard card) => tenant is not null && canMove && BoardPermissions.CanMoveCard(tenant.Role, tenant.UserId, card.OwnerId);

    private string? LockedReason(BoardCard card) => canMove && !CanMove(card) ? Text["Card.LockedOwner"] : null;

    private Task OpenMenuAsync(BoardCard card) => InvokeAsync(() =>
    {
        menuCard = board?.Find(card.Id) is { } current && CanMove(current) ? current : null;
        StateHasChanged();
    });

    /// <summary>The stages the open "Move to…" menu offers: every other one.</summary>
    private IReadOnlyList<(string Key, string Name)> MenuTargets =>
        menuCard is null || board is null ? [] : board.Stages.Where(s => s.Key != menuCard.Stage).Select(s => (s.Key, StageName(s))).ToList();

    /// <summary>How this viewer sees the board now: the same object until something in it changes.</summary>
    private BoardView View()
    {
        var stages = board!.Current.Stages;
        if (view is { } current && current.Now == now && current.TimeZone == timeZone && current.CanMove == canMove
            && viewStages == stages && viewRole == tenant?.Role && ReferenceEquals(current.UsualTimes, usualTimes) && ReferenceEquals(viewEditing, presence.Editing) && ReferenceEquals(current.Collapsed, collapsed))
            return current;
        (viewStages, viewRole, viewEditing) = (stages, tenant?.Role, presence.Editing);
        return view = new BoardView(now, timeZone, canMove, stages.Select(s => (s.Key, StageName(s))).ToList(),
            CanMove, LockedReason, OpenMenuAsync, ShowHistoryAsync,
            EventCallback.Factory.Create<SortableDrop>(this, OnCardDroppedAsync),
            EventCallback.Factory.Create<SortableKeyMove>(this, OnCardKeyMoveAsync),
            OnDragStartedAsync, OnDragCancelledAsync)
        {
            OnOpenCard = AsOf is null ? OpenCardAsync : null,
            ShowsValue = CardFields.For(EntityType).Contains(CardFields.Value),
            ShowsWeighted = CardFields.For(EntityType).Contains(CardFields.Probability),
            EditedBy = presence.Editing.Count == 0 ? null : EditedBy,
            Collapsed = collapsed,
            OnToggleCollapse = ToggleCollapseAsync,
            OnAddCard = AsOf is null && tenant is not null && CardPermissions.CanCreate(tenant.Role) ? AddCardAsync : null,
            OnQuickAdd = AsOf is null && tenant is not null && CardPermissions.CanCreate(tenant.Role) ? QuickAddAsync : null,
            UsualTimes = usualTimes,
        };
    }

    private string StageName(BoardStage stage) => Text.StageName(EntityType, stage);

    private string? StageNameOf(string key) => board?.Stages.FirstOrDefault(s => s.Key == key) is { } stage ? StageName(stage) : null;

    public async ValueTask DisposeAsync()
    {
        reconnections?.Dispose();
        subscription?.Dispose();
        // Cancelled, not disposed: a move still saving may read the token after the page is gone.
        disposal.Cancel();
        try
        {
            if (keys is not null)
            {
                await keys.InvokeVoidAsync("dispose");
                await keys.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The page is gone, and its listener with it.
        }
        self?.Dispose();
    }
}

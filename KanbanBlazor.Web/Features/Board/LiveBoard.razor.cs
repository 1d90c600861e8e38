using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// A live board: loads the tenant's board, listens to the board's room in <see cref="BoardHub"/>,
/// applies changes in sequence (reloading on a gap), and turns drops into <see cref="MoveCard"/> calls.
/// </summary>
public sealed partial class LiveBoard : IDisposable
{
    private static readonly TimeSpan GapGrace = TimeSpan.FromMilliseconds(250);
    private readonly CancellationTokenSource disposal = new();
    // Identifies this circuit's view to the hub, so that its own moves are not echoed back.
    private readonly Guid viewerId = Guid.NewGuid();
    private CurrentTenant? tenant;
    private BoardState? board;
    private IDisposable? subscription;
    private bool notFound;
    private bool canMove;
    private string? message;
    private string? announcement;
    private int pendingMoves;
    private bool loading;
    private readonly List<BoardChange> heardWhileLoading = [];
    private TimeZoneInfo timeZone = TimeZoneInfo.Utc;
    private DateTimeOffset now;

    [Parameter, EditorRequired] public required string EntityType { get; set; }

    [Inject] private TenantContext Tenants { get; set; } = null!;
    [Inject] private LoadBoard LoadBoard { get; set; } = null!;
    [Inject] private MoveCard MoveCard { get; set; } = null!;
    [Inject] private BoardHub Hub { get; set; } = null!;
    [Inject] private TimeProvider Clock { get; set; } = null!;
    [Inject] private ILogger<LiveBoard> Logger { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;

    private string Title => BoardPage.TitleOf(EntityType);

    protected override async Task OnInitializedAsync()
    {
        try
        {
            tenant = await Tenants.GetAsync(disposal.Token);
        }
        catch (TenantNotFoundException)
        {
            notFound = true;
            return;
        }
        canMove = BoardPermissions.CanMoveSomeCards(tenant.Role);
        timeZone = await BrowserTimeZoneAsync();
        // Subscribe before loading: a change committed in between has a sequence the loaded board
        // already includes (ignored) or the next one (applied), never a silent loss.
        subscription = Hub.Subscribe(tenant.TenantId, EntityType, viewerId, OnBoardChangeAsync);
        await ReloadAsync();
    }

    // Not prerendered, so the browser is there to ask; an unknown zone falls back to UTC.
    private async Task<TimeZoneInfo> BrowserTimeZoneAsync()
    {
        try
        {
            await using var browser = await JS.InvokeAsync<IJSObjectReference>("import", disposal.Token, "./js/browser.js");
            var id = await browser.InvokeAsync<string>("timeZone", disposal.Token);
            return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
        }
        catch (JSException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    private async Task ReloadAsync()
    {
        loading = true;
        try
        {
            now = Clock.GetUtcNow();
            board = await LoadBoard.ExecuteAsync(tenant!, EntityType, disposal.Token);
            notFound = board is null;
            // Changes heard while reading may or may not be in what was read; the sequence decides.
            foreach (var change in heardWhileLoading.OrderBy(c => c.Sequence)) board?.TryApply(change.Sequence, change.Moved);
            heardWhileLoading.Clear();
        }
        finally
        {
            loading = false;
        }
        ReloadUnlessGapCloses();
    }

    private Task OnBoardChangeAsync(BoardChange change) => InvokeAsync(() =>
    {
        if (loading || board is null)
        {
            heardWhileLoading.Add(change);
            return;
        }
        if (!board.TryApply(change.Sequence, change.Moved)) ReloadUnlessGapCloses();
        StateHasChanged();
    });

    private async Task OnCardDroppedAsync(SortableDrop drop)
    {
        if (board is null || tenant is null || !Guid.TryParse(drop.ItemId, out var cardId)) return;
        var card = board.Find(cardId);
        if (card is null) return;

        message = null;
        // The card it now follows, as this viewer sees the stage (without the moved card itself).
        var afterCardId = drop.NewIndex > 0
            ? board.CardsIn(drop.ToListId).Where(c => c.Id != cardId).ElementAtOrDefault(drop.NewIndex - 1)?.Id
            : null;
        board.MoveLocally(cardId, drop.ToListId, drop.NewIndex);
        StateHasChanged();

        MoveResult result;
        pendingMoves++;
        try
        {
            // Not cancelled when the page goes away: a card the user dropped is saved even if they
            // reload or navigate away at once.
            result = await MoveCard.ExecuteAsync(
                tenant, EntityType, new MoveRequest(cardId, card.Version, drop.ToListId, drop.NewIndex, afterCardId), viewerId, "board", CancellationToken.None);
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Moving card {CardId} failed", cardId);
            message = "The move could not be saved. Nothing was changed; please try again.";
            await ReloadAsync();
            return;
        }
        finally
        {
            pendingMoves--;
        }
        if (disposal.IsCancellationRequested) return;
        if (!result.Succeeded)
        {
            message = result.Decision.Message;
            await ReloadAsync();
            return;
        }
        if (!board.TryApply(result.Sequence, result.Moved!)) ReloadUnlessGapCloses();
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
                    Logger.LogInformation("Board {EntityType} missed change {Sequence}; reloading", EntityType, missing);
                    await ReloadAsync();
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
        if (board is null || !Guid.TryParse(move.ItemId, out var cardId)) return Task.CompletedTask;
        var stageIndex = board.Stages.ToList().FindIndex(s => s.Key == move.ListId);
        var index = board.CardsIn(move.ListId).ToList().FindIndex(c => c.Id == cardId);
        if (stageIndex < 0 || index < 0) return Task.CompletedTask;
        (int Stage, int Index) target = move.Direction switch
        {
            "left" => (stageIndex - 1, 0),
            "right" => (stageIndex + 1, 0),
            "up" => (stageIndex, index - 1),
            "down" => (stageIndex, index + 1),
            _ => (-1, -1),
        };
        var sameStageEnd = target.Stage == stageIndex && target.Index >= board.CardsIn(move.ListId).Count;
        if (target.Stage < 0 || target.Stage >= board.Stages.Count || target.Index < 0 || sameStageEnd) return Task.CompletedTask;
        var stage = board.Stages[target.Stage];
        announcement = $"Moved to {stage.Name}, position {target.Index + 1}.";
        return OnCardDroppedAsync(new SortableDrop(move.ItemId, move.ListId, stage.Key, target.Index));
    }

    public void Dispose()
    {
        subscription?.Dispose();
        // Cancelled, not disposed: a move still saving may read the token after the page is gone.
        disposal.Cancel();
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

[Collection(DatabaseCollection.Name)]
public sealed class UndoMoveTests(TestDatabase database)
{
    private readonly BoardHub hub = new(NullLogger<BoardHub>.Instance);

    private BoardTransaction Transaction() => new(database.KanbanFactory(), hub, TimeProvider.System);
    private MoveCard MoveCard() => new(Transaction(), NullLogger<MoveCard>.Instance);
    private UndoMove UndoMove() => new(Transaction(), database.KanbanFactory(), NullLogger<UndoMove>.Instance);

    private async Task<List<Card>> BoardAsync(TestTenant tenant)
    {
        await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
        return await db.Cards.AsNoTracking().OrderBy(c => c.Stage).ThenBy(c => c.Position).ToListAsync();
    }

    private async Task<Card> CardAsync(TestTenant tenant, string stage, int index = 0) =>
        (await BoardAsync(tenant)).Where(c => c.Stage == stage).ElementAt(index);

    private Task<MoveResult> MoveAsync(TestTenant tenant, TenantRole role, Card card, string to, int index = 0) =>
        MoveCard().ExecuteAsync(tenant.As(role), "lead", new MoveRequest(card.Id, card.Version, to, index), Guid.NewGuid(), "test", default);

    private Task<MoveResult> UndoAsync(TestTenant tenant, TenantRole role, UndoKind kind = UndoKind.Undo) =>
        UndoMove().ExecuteAsync(tenant.As(role), "lead", kind, Guid.NewGuid(), "test");

    [Fact]
    public async Task Undo_then_redo_with_nothing_in_between_returns_the_board_exactly_to_where_it_was()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var card = await CardAsync(tenant, "new", 1);
        var before = (await BoardAsync(tenant)).ToDictionary(c => c.Id, c => (c.Stage, c.Position));

        Assert.True((await MoveAsync(tenant, TenantRole.Manager, card, "proposal", 2)).Succeeded);
        var moved = (await BoardAsync(tenant)).ToDictionary(c => c.Id, c => (c.Stage, c.Position));
        var preview = await UndoMove().PeekAsync(tenant.As(TenantRole.Manager), "lead", default);
        Assert.Equal(("proposal", "new"), (preview.Undo?.FromStage, preview.Undo?.ToStage));
        Assert.Null(preview.Redo);

        var undone = await UndoAsync(tenant, TenantRole.Manager);
        Assert.True(undone.Succeeded, undone.Decision.Message);
        Assert.Equal(before, (await BoardAsync(tenant)).ToDictionary(c => c.Id, c => (c.Stage, c.Position)));

        var redone = await UndoAsync(tenant, TenantRole.Manager, UndoKind.Redo);
        Assert.True(redone.Succeeded, redone.Decision.Message);
        Assert.Equal(moved, (await BoardAsync(tenant)).ToDictionary(c => c.Id, c => (c.Stage, c.Position)));

        // The log links each to what it took back, and marks what was taken back.
        await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
        var log = await db.Moves.AsNoTracking().OrderBy(m => m.Sequence).ToListAsync();
        Assert.Equal([MoveKinds.Move, MoveKinds.Undo, MoveKinds.Redo], log.Select(m => m.Kind));
        Assert.Equal(log[0].Id, log[1].UndoMoveId);
        Assert.Equal(log[1].Id, log[2].UndoMoveId);
        Assert.NotNull(log[0].UndoneAt);
        Assert.Equal(tenant.As(TenantRole.Manager).UserId, log[1].UndoneBy);
        Assert.Equal(card.Version + 3, (await BoardAsync(tenant)).Single(c => c.Id == card.Id).Version);
    }

    [Fact]
    public async Task Undo_is_refused_naming_who_moved_the_card_when_someone_else_moved_it_since()
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        await MoveAsync(tenant, TenantRole.Manager, card, "contacted");
        var now = (await BoardAsync(tenant)).Single(c => c.Id == card.Id);
        await MoveAsync(tenant, TenantRole.Admin, now, "qualified");

        var refused = await UndoAsync(tenant, TenantRole.Manager);

        Assert.Equal(MoveRefusal.StaleVersion, refused.Decision.Refusal);
        Assert.Equal(tenant.As(TenantRole.Admin).UserDisplayName, refused.Decision.LastMove?.MovedBy);
        Assert.Equal("qualified", refused.Decision.LastMove?.ToStage);
        Assert.Equal("qualified", (await BoardAsync(tenant)).Single(c => c.Id == card.Id).Stage);
    }

    [Fact]
    public async Task Undo_goes_back_through_the_users_moves_newest_first_and_a_new_move_clears_the_redo_stack()
    {
        var tenant = await database.CreateTenantAsync();
        var first = await CardAsync(tenant, "new");
        var second = await CardAsync(tenant, "contacted");
        await MoveAsync(tenant, TenantRole.Manager, first, "won");
        await MoveAsync(tenant, TenantRole.Manager, second, "lost");
        // A colleague's moves are theirs to undo, not mine.
        await MoveAsync(tenant, TenantRole.Admin, await CardAsync(tenant, "qualified"), "proposal");

        Assert.True((await UndoAsync(tenant, TenantRole.Manager)).Succeeded);
        Assert.Equal("contacted", (await BoardAsync(tenant)).Single(c => c.Id == second.Id).Stage);
        Assert.True((await UndoAsync(tenant, TenantRole.Manager)).Succeeded);
        Assert.Equal("new", (await BoardAsync(tenant)).Single(c => c.Id == first.Id).Stage);
        Assert.Equal(MoveRefusal.NothingToUndo, (await UndoAsync(tenant, TenantRole.Manager)).Decision.Refusal);

        // Redo brings back the last undone first; then a new move leaves nothing to redo.
        Assert.True((await UndoAsync(tenant, TenantRole.Manager, UndoKind.Redo)).Succeeded);
        Assert.Equal("won", (await BoardAsync(tenant)).Single(c => c.Id == first.Id).Stage);
        await MoveAsync(tenant, TenantRole.Manager, await CardAsync(tenant, "negotiation"), "won");
        Assert.Equal(MoveRefusal.NothingToUndo, (await UndoAsync(tenant, TenantRole.Manager, UndoKind.Redo)).Decision.Refusal);
        Assert.Equal("contacted", (await BoardAsync(tenant)).Single(c => c.Id == second.Id).Stage); // its undo stands
    }

    [Fact]
    public async Task An_undo_passes_the_same_checks_as_a_move_and_a_full_stage_refuses_it()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var card = await CardAsync(tenant, "new");
        await MoveAsync(tenant, TenantRole.Manager, card, "contacted");
        // Meanwhile "new" fills up to a hard limit of 2 (it holds 1 now).
        await MoveAsync(tenant, TenantRole.Admin, await CardAsync(tenant, "qualified"), "new");
        await using (var db = await database.OwnerContextAsync(tenant.Id))
            await db.Stages.Where(s => s.Key == "new").ExecuteUpdateAsync(s => s.SetProperty(x => x.WipHardLimit, 2));

        var refused = await UndoAsync(tenant, TenantRole.Manager);
        Assert.Equal(MoveRefusal.WipHardLimit, refused.Decision.Refusal);

        var overridden = await UndoMove().ExecuteAsync(tenant.As(TenantRole.Manager), "lead", UndoKind.Undo, Guid.NewGuid(), "test", "Put it back", wipOverride: true);
        Assert.True(overridden.Succeeded, overridden.Decision.Message);
        Assert.Equal("new", (await BoardAsync(tenant)).Single(c => c.Id == card.Id).Stage);
    }

    [Fact]
    public async Task A_cards_history_lists_its_moves_newest_first_with_who_why_and_what_was_undone_and_only_for_members()
    {
        var tenant = await database.CreateTenantAsync();
        var card = await CardAsync(tenant, "new");
        await MoveCard().ExecuteAsync(tenant.As(TenantRole.Manager), "lead", new MoveRequest(card.Id, card.Version, "won", 0, Reason: "Signed"), Guid.NewGuid(), "test", default);
        await UndoAsync(tenant, TenantRole.Manager);
        var history = new CardHistory(database.KanbanFactory());

        var entries = await history.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", card.Id, default);

        Assert.Equal([MoveKinds.Undo, MoveKinds.Move], entries.Select(e => e.Kind));
        Assert.Equal(("won", "new"), (entries[0].FromStage, entries[0].ToStage));
        var move = entries[1];
        Assert.Equal(("new", "won", "Signed"), (move.FromStage, move.ToStage, move.Reason));
        Assert.Equal(tenant.As(TenantRole.Manager).UserDisplayName, move.Who);
        Assert.Equal(tenant.As(TenantRole.Manager).UserDisplayName, move.UndoneBy);
        Assert.NotNull(move.UndoneAt);

        // Another tenant's member asking for this card's history gets nothing of it.
        var other = await database.CreateTenantAsync(cardsPerStage: 0);
        Assert.Empty(await history.ExecuteAsync(other.As(TenantRole.Admin), "lead", card.Id, default));
    }
}

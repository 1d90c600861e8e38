using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Creating, editing and deleting cards through the board transaction: what is stored, what is
/// logged and heard, stale and concurrent edits, edit locks, roles and tenants.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CardWriteTests(TestDatabase database)
{
    private readonly BoardHub hub = new(NullLogger<BoardHub>.Instance);

    private CardWrites Cards() =>
        new(new BoardTransaction(database.WriterFactory(), hub, TimeProvider.System), database.KanbanFactory(), NullLogger<CardWrites>.Instance);

    private static CardDraft Lead(string title = "Initech: 40 seats") => new()
    {
        Title = title, Company = "Initech", Email = "peter@initech.example", Phone = "+1 (555) 010-2000", Source = "Webinar", Score = 70,
        NextActionAt = new DateTimeOffset(2026, 12, 1, 14, 0, 0, TimeSpan.Zero), NextActionDetails = "Call about the pilot",
    };

    private async Task<Card?> StoredAsync(TestTenant tenant, Guid id)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Cards.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id);
    }

    private async Task<List<CardMove>> LogAsync(TestTenant tenant)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Moves.AsNoTracking().OrderBy(m => m.Sequence).ToListAsync();
    }

    private async Task<Card> FirstAsync(TestTenant tenant, string stage = "new")
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Cards.AsNoTracking().Where(c => c.Stage == stage).OrderBy(c => c.Position).FirstAsync();
    }

    [Fact]
    public async Task A_created_card_is_stored_at_the_top_of_its_stage_logged_and_heard_by_the_board()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var rep = tenant.As(TenantRole.SalesRep);
        var heard = new List<BoardChange>();
        using var _ = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change => { lock (heard) heard.Add(change); return Task.CompletedTask; });

        // A next action given in a browser's time zone (Berlin, in winter) is kept as the same instant.
        var draft = Lead() with { NextActionAt = new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.FromHours(1)) };
        var result = await Cards().CreateAsync(rep, "lead", new CardWrites.CreateRequest("new", draft), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Saved, result.Outcome);
        var stored = await StoredAsync(tenant, result.Card!.Id);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 14, 0, 0, TimeSpan.Zero), stored!.NextActionAt);
        Assert.NotNull(stored);
        Assert.Equal(("Initech: 40 seats", "Initech", "peter@initech.example", 70, rep.UserId, 1), (stored.Title, stored.Company, stored.Email, stored.Score, stored.OwnerId, stored.Version));
        await using (var db = await database.OwnerContextAsync(tenant.Id))
            Assert.Equal(stored.Id, (await db.Cards.AsNoTracking().Where(c => c.Stage == "new").OrderBy(c => c.Position).FirstAsync()).Id);
        var row = Assert.Single(await LogAsync(tenant));
        Assert.Equal((BoardEventTypes.CardCreated, stored.Id, "new", stored.Position, 1L), (row.EventType, row.EntityId, row.ToStage, row.ToPosition, row.Sequence));
        var created = Assert.IsType<CardCreated>(Assert.Single(heard).Event);
        Assert.Equal((stored.Id, "Initech: 40 seats", rep.UserDisplayName), (created.Card.Id, created.Card.Title, created.Card.OwnerName));
        Assert.Equal(3, heard[0].Board!.CardsIn("new").Count);
    }

    [Fact]
    public async Task A_draft_with_bad_fields_is_refused_field_by_field_and_writes_nothing()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var draft = Lead() with { Title = "  ", Email = "peter at initech", Score = 150, Phone = "call me", NextActionDetails = new string('x', 501) };

        var result = await Cards().CreateAsync(tenant.As(TenantRole.Manager), "lead", new CardWrites.CreateRequest("new", draft), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Invalid, result.Outcome);
        Assert.Equal(
            [(CardFields.Title, "required"), (CardFields.Email, "email"), (CardFields.Phone, "phone"), (CardFields.Score, "range"), (CardFields.NextActionDetails, "too_long")],
            result.Errors.Select(e => (e.Field, e.Code)).ToList());
        Assert.Empty(await LogAsync(tenant));
        await using var db = await database.OwnerContextAsync(tenant.Id);
        Assert.Equal(5, await db.Cards.CountAsync());
    }

    [Fact]
    public async Task An_edit_stores_the_fields_bumps_the_version_and_logs_each_changed_field_with_its_old_and_new_value()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var card = await FirstAsync(tenant);
        var rep = tenant.As(TenantRole.SalesRep);

        var result = await Cards().UpdateAsync(rep, "lead", card.Id, card.Version,
            new CardDraft { Title = card.Title, Company = "Globex", Score = 40, Value = card.Value, OwnerId = rep.UserId }, Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Saved, result.Outcome);
        var stored = (await StoredAsync(tenant, card.Id))!;
        Assert.Equal(("Globex", 40, card.Version + 1, rep.UserId), (stored.Company, stored.Score, stored.Version, stored.LastModifiedBy));
        var row = Assert.Single(await LogAsync(tenant));
        Assert.Equal(BoardEventTypes.CardUpdated, row.EventType);
        using var meta = JsonDocument.Parse(row.Metadata);
        Assert.Equal([("company", null, "Globex"), ("score", null, "40")],
            meta.RootElement.GetProperty("changes").EnumerateArray()
                .Select(c => (c.GetProperty("field").GetString(), c.TryGetProperty("from", out var from) ? from.GetString() : null, c.GetProperty("to").GetString())).ToList());

        // The same draft again changes nothing and logs nothing.
        var again = await Cards().UpdateAsync(rep, "lead", card.Id, stored.Version,
            new CardDraft { Title = card.Title, Company = "Globex", Score = 40, Value = card.Value, OwnerId = rep.UserId }, Guid.NewGuid(), "test", default);
        Assert.Equal(CardWriteOutcome.Unchanged, again.Outcome);
        Assert.Single(await LogAsync(tenant));
    }

    [Fact]
    public async Task An_edit_made_on_a_stale_version_is_refused_with_what_the_other_person_changed_and_saves_nothing()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var card = await FirstAsync(tenant);
        var manager = tenant.As(TenantRole.Manager);
        var rep = tenant.As(TenantRole.SalesRep);
        await Cards().UpdateAsync(manager, "lead", card.Id, card.Version, new CardDraft { Title = card.Title, Company = "Umbrella", Value = card.Value, OwnerId = card.OwnerId }, Guid.NewGuid(), "test", default);

        var stale = await Cards().UpdateAsync(rep, "lead", card.Id, card.Version, new CardDraft { Title = "Renamed by the rep", OwnerId = card.OwnerId }, Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Stale, stale.Outcome);
        var conflict = Assert.Single(stale.Conflicts);
        Assert.Equal(("company", null, "Umbrella", manager.UserDisplayName), (conflict.Field, conflict.From, conflict.To, conflict.By));
        Assert.Contains(manager.UserDisplayName, stale.Message);
        var stored = (await StoredAsync(tenant, card.Id))!;
        Assert.Equal((card.Title, "Umbrella", card.Version + 1), (stored.Title, stored.Company, stored.Version));
    }

    [Fact]
    public async Task Of_many_concurrent_edits_from_the_same_version_exactly_one_is_saved()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var card = await FirstAsync(tenant);
        var manager = tenant.As(TenantRole.Manager);
        var writes = Cards();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            writes.UpdateAsync(manager, "lead", card.Id, card.Version, new CardDraft { Title = $"Edit {i}", OwnerId = card.OwnerId }, Guid.NewGuid(), "test", default))));

        var saved = Assert.Single(results, r => r.Outcome == CardWriteOutcome.Saved);
        Assert.All(results.Where(r => r != saved), r => Assert.Equal(CardWriteOutcome.Stale, r.Outcome));
        var stored = (await StoredAsync(tenant, card.Id))!;
        Assert.Equal((saved.Card!.Fields.Title, card.Version + 1), (stored.Title, stored.Version));
        Assert.Single(await LogAsync(tenant));
    }

    [Fact]
    public async Task Someone_elses_edit_lock_refuses_an_edit_and_a_deletion_until_it_is_released()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var card = await FirstAsync(tenant);
        var manager = tenant.As(TenantRole.Manager);
        var rep = tenant.As(TenantRole.SalesRep);
        var locks = new EditLocks(database.KanbanFactory(), TimeProvider.System);
        Assert.Equal(LockOutcome.Held, (await locks.AcquireAsync(manager, "lead", card.Id, default)).Outcome);

        var edit = await Cards().UpdateAsync(rep, "lead", card.Id, card.Version, new CardDraft { Title = "Mine", OwnerId = rep.UserId }, Guid.NewGuid(), "test", default);
        var delete = await Cards().DeleteAsync(tenant.As(TenantRole.Admin), "lead", card.Id, card.Version, Guid.NewGuid(), "test", default);
        // The lock's holder is not held up by it.
        var own = await Cards().UpdateAsync(manager, "lead", card.Id, card.Version, new CardDraft { Title = "The manager's", OwnerId = rep.UserId }, Guid.NewGuid(), "test", default);

        Assert.Equal((CardWriteOutcome.Locked, manager.UserDisplayName), (edit.Outcome, edit.Lock!.HolderName));
        Assert.Equal(CardWriteOutcome.Locked, delete.Outcome);
        Assert.Equal(CardWriteOutcome.Saved, own.Outcome);
        await locks.ReleaseAsync(manager, "lead", card.Id, default);
        var after = await Cards().UpdateAsync(rep, "lead", card.Id, card.Version + 1, new CardDraft { Title = "Mine", OwnerId = rep.UserId }, Guid.NewGuid(), "test", default);
        Assert.Equal(CardWriteOutcome.Saved, after.Outcome);
    }

    [Fact]
    public async Task A_deleted_card_leaves_the_board_keeps_its_history_and_the_board_as_of_before_still_shows_it()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var admin = tenant.As(TenantRole.Admin);
        var snapshots = new BoardSnapshots(database.KanbanFactory(), TimeProvider.System);
        await snapshots.TakeAsync(tenant.Id, "lead", SnapshotReasons.Manual, default);
        var created = await Cards().CreateAsync(admin, "lead", new CardWrites.CreateRequest("contacted", Lead("Soon gone")), Guid.NewGuid(), "test", default);
        var edited = await Cards().UpdateAsync(admin, "lead", created.Card!.Id, 1, created.Card.Fields with { Title = "Renamed, then gone" }, Guid.NewGuid(), "test", default);
        await Task.Delay(20);
        var beforeDeletion = DateTimeOffset.UtcNow;
        await Task.Delay(20);

        var deleted = await Cards().DeleteAsync(admin, "lead", created.Card.Id, edited.Card!.Version, Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.Saved, deleted.Outcome);
        Assert.Null(await StoredAsync(tenant, created.Card.Id));
        Assert.Equal([BoardEventTypes.CardCreated, BoardEventTypes.CardUpdated, BoardEventTypes.CardDeleted], (await LogAsync(tenant)).Select(m => m.EventType));
        var then = await snapshots.AsOfAsync(admin, "lead", beforeDeletion, default);
        Assert.Equal("Renamed, then gone", Assert.Single(then!.CardsIn("contacted"), c => c.Id == created.Card.Id).Title);
        var report = await new VerifyBoard(database.KanbanFactory()).ExecuteAsync(tenant.Id, "lead", default);
        Assert.True(report!.IsConsistent, string.Join("; ", report.Drift.Select(d => d.Detail)));
        Assert.NotNull(report.ReplayedFrom);
        Assert.Equal(3, report.Events);
    }

    [Fact]
    public async Task Creations_edits_moves_and_deletions_replay_from_the_log_to_the_stored_board()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var manager = tenant.As(TenantRole.Manager);
        var snapshots = new BoardSnapshots(database.KanbanFactory(), TimeProvider.System);
        await snapshots.TakeAsync(tenant.Id, "lead", SnapshotReasons.Manual, default);
        var writes = Cards();
        var move = new MoveCard(new BoardTransaction(database.WriterFactory(), hub, TimeProvider.System), NullLogger<MoveCard>.Instance);
        var a = (await writes.CreateAsync(manager, "lead", new CardWrites.CreateRequest("new", Lead("A")), Guid.NewGuid(), "test", default)).Card!;
        var b = (await writes.CreateAsync(manager, "lead", new CardWrites.CreateRequest("new", Lead("B"), ToIndex: 1), Guid.NewGuid(), "test", default)).Card!;
        var moved = await move.ExecuteAsync(manager, "lead", new KanbanBlazor.Core.Moves.MoveRequest(a.Id, 1, "qualified", 0), Guid.NewGuid(), "test", default);
        Assert.True(moved.Succeeded, moved.Decision.Message);
        var edited = await writes.UpdateAsync(manager, "lead", a.Id, 2, a.Fields with { Title = "A, renamed", Company = "Acme" }, Guid.NewGuid(), "test", default);
        Assert.Equal(CardWriteOutcome.Saved, edited.Outcome);
        Assert.Equal(CardWriteOutcome.Saved, (await writes.DeleteAsync(manager, "lead", b.Id, 1, Guid.NewGuid(), "test", default)).Outcome);

        var report = await new VerifyBoard(database.KanbanFactory()).ExecuteAsync(tenant.Id, "lead", default);
        Assert.True(report!.IsConsistent, string.Join("; ", report.Drift.Select(d => d.Detail)));
        var log = await new BoardLog(database.KanbanFactory()).SinceAsync(manager, "lead", 0, default);
        Assert.NotNull(log);
        Assert.Equal(["CardCreated", "CardCreated", "CardMoved", "CardUpdated", "CardDeleted"], log.Select(e => e.Event.GetType().Name));
        var updated = Assert.IsType<CardUpdated>(log[3].Event);
        Assert.Equal(("A, renamed", 3, manager.UserDisplayName), (updated.Card.Title, updated.Card.Version, updated.Card.OwnerName));
        Assert.Equal([CardFields.Title, CardFields.Company], updated.ChangedFields);
    }

    public enum CardAction { Create, CreateForAnother, EditOwn, EditOthers, Delete }

    [Theory]
    [InlineData(TenantRole.Viewer, CardAction.Create, false)]
    [InlineData(TenantRole.Viewer, CardAction.EditOwn, false)]
    [InlineData(TenantRole.Viewer, CardAction.Delete, false)]
    [InlineData(TenantRole.SalesRep, CardAction.Create, true)]
    [InlineData(TenantRole.SalesRep, CardAction.CreateForAnother, false)]
    [InlineData(TenantRole.SalesRep, CardAction.EditOwn, true)]
    [InlineData(TenantRole.SalesRep, CardAction.EditOthers, false)]
    [InlineData(TenantRole.SalesRep, CardAction.Delete, false)]
    [InlineData(TenantRole.Manager, CardAction.Create, true)]
    [InlineData(TenantRole.Manager, CardAction.CreateForAnother, true)]
    [InlineData(TenantRole.Manager, CardAction.EditOthers, true)]
    [InlineData(TenantRole.Manager, CardAction.Delete, true)]
    [InlineData(TenantRole.Admin, CardAction.Create, true)]
    [InlineData(TenantRole.Admin, CardAction.CreateForAnother, true)]
    [InlineData(TenantRole.Admin, CardAction.EditOthers, true)]
    [InlineData(TenantRole.Admin, CardAction.Delete, true)]
    public async Task Each_role_may_do_what_it_may_on_cards_and_nothing_more(TenantRole role, CardAction action, bool allowed)
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var actor = tenant.As(role);
        var manager = tenant.As(TenantRole.Manager);
        var writes = Cards();
        // A card the actor owns (made by a manager for them) and one owned by somebody else.
        var own = (await writes.CreateAsync(manager, "lead", new CardWrites.CreateRequest("new", Lead("Own") with { OwnerId = actor.UserId }), Guid.NewGuid(), "test", default)).Card!;
        var others = (await writes.CreateAsync(manager, "lead", new CardWrites.CreateRequest("new", Lead("Others")), Guid.NewGuid(), "test", default)).Card!;
        var before = (await LogAsync(tenant)).Count;

        var result = action switch
        {
            CardAction.Create => await writes.CreateAsync(actor, "lead", new CardWrites.CreateRequest("new", Lead("New")), Guid.NewGuid(), "test", default),
            CardAction.CreateForAnother => await writes.CreateAsync(actor, "lead", new CardWrites.CreateRequest("new", Lead("New") with { OwnerId = manager.UserId }), Guid.NewGuid(), "test", default),
            CardAction.EditOwn => await writes.UpdateAsync(actor, "lead", own.Id, own.Version, own.Fields with { Score = 99 }, Guid.NewGuid(), "test", default),
            CardAction.EditOthers => await writes.UpdateAsync(actor, "lead", others.Id, others.Version, others.Fields with { Score = 99 }, Guid.NewGuid(), "test", default),
            _ => await writes.DeleteAsync(actor, "lead", others.Id, others.Version, Guid.NewGuid(), "test", default),
        };

        Assert.Equal(allowed ? CardWriteOutcome.Saved : CardWriteOutcome.NotPermitted, result.Outcome);
        Assert.Equal(before + (allowed ? 1 : 0), (await LogAsync(tenant)).Count);
    }

    [Fact]
    public async Task Another_tenants_card_cannot_be_edited_or_deleted_and_is_left_as_it_was()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var other = await database.CreateTenantAsync(cardsPerStage: 1);
        var card = await FirstAsync(tenant);
        var intruder = other.As(TenantRole.Admin);

        var edit = await Cards().UpdateAsync(intruder, "lead", card.Id, card.Version, new CardDraft { Title = "Taken over", OwnerId = intruder.UserId }, Guid.NewGuid(), "test", default);
        var delete = await Cards().DeleteAsync(intruder, "lead", card.Id, card.Version, Guid.NewGuid(), "test", default);
        var read = await Cards().ReadAsync(intruder, "lead", card.Id, default);

        Assert.Equal(CardWriteOutcome.CardNotFound, edit.Outcome);
        Assert.Equal(CardWriteOutcome.CardNotFound, delete.Outcome);
        Assert.Null(read);
        Assert.Equal((card.Title, card.Version), ((await StoredAsync(tenant, card.Id))!.Title, (await StoredAsync(tenant, card.Id))!.Version));
        Assert.Empty(await LogAsync(tenant));
        Assert.Empty(await LogAsync(other));
    }

    [Fact]
    public async Task A_stage_at_its_hard_limit_takes_a_new_card_only_from_a_manager_who_gives_a_reason()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            var stage = await db.Stages.SingleAsync(s => s.Key == "new");
            stage.WipHardLimit = 2;
            await db.SaveChangesAsync();
        }
        var rep = await Cards().CreateAsync(tenant.As(TenantRole.SalesRep), "lead", new CardWrites.CreateRequest("new", Lead(), WipOverride: true, Reason: "Busy"), Guid.NewGuid(), "test", default);
        var noReason = await Cards().CreateAsync(tenant.As(TenantRole.Manager), "lead", new CardWrites.CreateRequest("new", Lead(), WipOverride: true), Guid.NewGuid(), "test", default);
        var overridden = await Cards().CreateAsync(tenant.As(TenantRole.Manager), "lead", new CardWrites.CreateRequest("new", Lead(), WipOverride: true, Reason: "Trade show week"), Guid.NewGuid(), "test", default);

        Assert.Equal(CardWriteOutcome.WipHardLimit, rep.Outcome);
        Assert.Equal(CardWriteOutcome.ReasonRequired, noReason.Outcome);
        Assert.Equal(CardWriteOutcome.Saved, overridden.Outcome);
        var row = Assert.Single(await LogAsync(tenant), m => m.EventType == BoardEventTypes.CardCreated);
        Assert.Equal("Trade show week", row.Reason);
        using var meta = JsonDocument.Parse(row.Metadata);
        Assert.True(meta.RootElement.GetProperty("wip_override").GetBoolean());
    }
}

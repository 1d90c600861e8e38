using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Features.Board;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Catching up by sequence: the events read back from the log are the events that were
/// published live, so a board that missed some and reads them ends exactly like one that heard them.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class BoardLogTests(TestDatabase database)
{
    [Fact]
    public async Task Events_read_back_from_the_log_equal_those_published_and_bring_a_stale_copy_up_to_the_stored_board()
    {
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var transaction = new BoardTransaction(database.KanbanFactory(), hub, TimeProvider.System);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var undo = new UndoMove(transaction, database.KanbanFactory(), NullLogger<UndoMove>.Instance);
        var configure = new ConfigureBoard(transaction, database.KanbanFactory());
        var load = new LoadBoard(database.KanbanFactory());
        var log = new BoardLog(database.KanbanFactory());
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var admin = tenant.As(TenantRole.Admin);

        // A copy taken now, that will hear nothing of what follows.
        var stale = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default) ?? throw new InvalidOperationException();
        var heard = new List<SequencedEvent>();
        using var subscription = hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), change =>
        {
            lock (heard) heard.Add(new SequencedEvent(change.Sequence, change.Event));
            return Task.CompletedTask;
        });

        // Moves (one into a stage at its soft limit, so a WIP warning too), an undo, a redo, a configuration.
        var config = await configure.ReadAsync(admin, "lead", default) ?? throw new InvalidOperationException();
        var saved = await configure.SaveAsync(admin, config with
        {
            Stages = config.Stages.Select(s => s.Key == "qualified" ? s with { WipSoftLimit = 3, Name = "Qualified!" } : s).ToList(),
        }, Guid.NewGuid(), "test", default);
        Assert.Equal(ConfigureOutcome.Saved, saved.Outcome);
        foreach (var (stage, to) in new[] { ("new", "qualified"), ("contacted", "won"), ("new", "proposal") })
        {
            var board = await load.ExecuteAsync(admin, "lead", default) ?? throw new InvalidOperationException();
            var card = board.CardsIn(stage)[0];
            Assert.True((await move.ExecuteAsync(admin, "lead", new MoveRequest(card.Id, card.Version, to, 1), Guid.NewGuid(), "test", default)).Succeeded);
        }
        Assert.True((await undo.ExecuteAsync(admin, "lead", UndoKind.Undo, Guid.NewGuid(), "test")).Succeeded);
        Assert.True((await undo.ExecuteAsync(admin, "lead", UndoKind.Redo, Guid.NewGuid(), "test")).Succeeded);
        await WaitUntilAsync(() => { lock (heard) return heard.Count == 7; });

        var read = await log.SinceAsync(admin, "lead", stale.Sequence, default) ?? throw new InvalidOperationException("the log could not rebuild its events");
        List<SequencedEvent> published;
        lock (heard) published = heard.OrderBy(e => e.Sequence).ToList();
        Assert.Equal(published.Select(e => e.Event.GetType().Name), read.Select(e => e.Event.GetType().Name));
        Assert.Contains(read, e => e.Event is WipWarning);
        Assert.Contains(read, e => e.Event is CardMoved { UndoOf: not null });
        for (var i = 0; i < read.Count; i++)
        {
            Assert.Equal(published[i].Sequence, read[i].Sequence);
            // The log keeps microseconds; everything else is equal to the last field.
            Assert.True((published[i].Event.At - read[i].Event.At).Duration() < TimeSpan.FromMilliseconds(1));
            Assert.Equal(Json(published[i].Event with { At = default }), Json(read[i].Event with { At = default }));
        }

        foreach (var change in read) stale.TryApply(change.Sequence, change.Event);
        var stored = await load.ExecuteAsync(admin, "lead", default) ?? throw new InvalidOperationException();
        Assert.Equal(stored.Sequence, stale.Sequence);
        Assert.Equal(Cards(stored), Cards(stale));
        Assert.Equal("Qualified!", stale.Stages.Single(s => s.Key == "qualified").Name);

        // Nothing new: nothing to read. A row the log cannot rebuild (written without the card's
        // version, as before it kept one) means reload.
        Assert.Empty(await log.SinceAsync(admin, "lead", stored.Sequence, default) ?? throw new InvalidOperationException());
        await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, $"UPDATE kanban_moves SET metadata = metadata - 'card_version' WHERE sequence = {read[^1].Sequence}");
        Assert.Null(await log.SinceAsync(admin, "lead", stale.Sequence - 1, default));
    }

    private static string Json(BoardEvent change) => JsonSerializer.Serialize(change, change.GetType());

    private static List<string> Cards(BoardState board) =>
        board.Stages.SelectMany(s => board.CardsIn(s.Key)).Select(c => $"{c.Id} {c.Stage} {c.Position} {c.Version}").ToList();

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}

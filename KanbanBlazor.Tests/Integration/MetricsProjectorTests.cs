using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using KanbanBlazor.Web.Features.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The flow metrics kept beside the log (kanban_flow, kanban_metrics): caught up incrementally
/// as the board changes, they equal a rebuild from the whole log.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class MetricsProjectorTests(TestDatabase database)
{
    private static readonly string[] Stages = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"];

    private MetricsProjector Projector(TimeProvider clock) => new(database.KanbanFactory(), clock, NullLogger<MetricsProjector>.Instance);

    private async Task<(List<string> Stays, List<string> Counts)> StoredAsync(Guid tenantId)
    {
        await using var db = await database.OwnerContextAsync(tenantId);
        var stays = await db.FlowStays.AsNoTracking().Where(s => s.EntityType == "lead")
            .OrderBy(s => s.CardId).ThenBy(s => s.Seq).ToListAsync();
        var counts = await db.Metrics.AsNoTracking().Where(m => m.EntityType == "lead")
            // A row whose counters came back to zero counts nothing: the rebuild has no such row.
            .Where(m => m.Entered != 0 || m.Exited != 0 || m.Done != 0 || m.StayMs != 0 || m.LeadMs != 0 || m.WipWarnings != 0 || m.WipOverrides != 0)
            .OrderBy(m => m.Period).ThenBy(m => m.PeriodStart).ThenBy(m => m.Stage).ThenBy(m => m.OwnerId).ToListAsync();
        return (stays.Select(s => $"{s.CardId} {s.Seq} {s.Stage} {s.OwnerId} {s.EnteredAt:O} {s.LeftAt:O} first {s.FirstEntry} created {s.CardCreatedAt:O} started {s.StartedAt:O} next {s.NextActionAt:O}").ToList(),
            counts.Select(m => $"{m.Period} {m.PeriodStart:O} {m.Stage} {m.OwnerId} in {m.Entered} out {m.Exited} done {m.Done} stay {m.StayMs} lead {m.LeadMs} warn {m.WipWarnings} over {m.WipOverrides}").ToList());
    }

    [Fact]
    public async Task Counters_caught_up_while_people_work_equal_a_rebuild_from_the_log()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var clock = new ManualClock(new DateTimeOffset(2026, 9, 7, 8, 0, 0, TimeSpan.Zero));
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var transaction = new BoardTransaction(database.WriterFactory(), hub, clock);
        var moveCard = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var undo = new UndoMove(transaction, database.KanbanFactory(), NullLogger<UndoMove>.Instance);
        var cards = new CardWrites(transaction, database.KanbanFactory(), NullLogger<CardWrites>.Instance);
        var configure = new ConfigureBoard(transaction, database.KanbanFactory());
        var load = new LoadBoard(database.KanbanFactory());
        var projector = Projector(clock);
        var manager = tenant.As(TenantRole.Manager);
        var rep = tenant.As(TenantRole.SalesRep);
        var (undos, redos, deletions, handovers) = (0, 0, 0, 0);

        for (var phase = 0; phase < 12; phase++)
        {
            var random = new Random(phase);
            clock.Now = clock.Now.AddHours(random.Next(1, 40)).AddMinutes(random.Next(60));
            if (phase == 6)
            {
                // The stages change mid-way (WIP limits on Contacted, warned of and overridden afterwards): the board's counters are rebuilt.
                var config = (await configure.ReadAsync(tenant.As(TenantRole.Admin), "lead", default))!;
                var board = (await load.ExecuteAsync(manager, "lead", default))!;
                var inContacted = board.CardsIn("contacted").Count;
                var soft = Math.Max(1, inContacted);
                var stages = config.Stages.Select(s => s.Key == "contacted" ? s with { WipSoftLimit = soft, WipHardLimit = soft + 1 } : s).ToList();
                var saved = await configure.SaveAsync(tenant.As(TenantRole.Admin), config with { Stages = stages }, Guid.NewGuid(), "test", default);
                Assert.Equal(ConfigureOutcome.Saved, saved.Outcome);
                // Cards go in, warned of, until one is over the hard limit and goes in because the manager overrides it.
                var overridden = false;
                foreach (var card in board.Stages.Where(s => s.Key != "contacted").SelectMany(s => board.CardsIn(s.Key)).Take(4))
                {
                    var moved = await moveCard.ExecuteAsync(manager, "lead", new MoveRequest(card.Id, card.Version, "contacted", 0, Reason: "Pushing", WipOverride: true), Guid.NewGuid(), "test", default);
                    Assert.True(moved.Succeeded, moved.Decision.Message);
                    if (overridden = moved.Decision.WipOverridden) break;
                }
                Assert.True(overridden);
            }
            // Two people working at once, and the projector catching up while they do.
            var people = new[] { manager, tenant.As(TenantRole.Admin) }.Select((person, who) => Task.Run(async () =>
            {
                var rnd = new Random(phase * 10 + who);
                for (var i = 0; i < 10; i++)
                {
                    var roll = rnd.Next(20);
                    var seen = await load.ExecuteAsync(person, "lead", default) ?? throw new InvalidOperationException();
                    var onBoard = seen.Stages.SelectMany(s => seen.CardsIn(s.Key)).ToList();
                    var card = onBoard[rnd.Next(onBoard.Count)];
                    if (roll < 3)
                    {
                        if (!(await undo.ExecuteAsync(person, "lead", UndoKind.Undo, Guid.NewGuid(), "test")).Succeeded) continue;
                        Interlocked.Increment(ref undos);
                        // Sometimes redone at once, so that every run has redos (a later redo often finds a newer move in the way).
                        if (rnd.Next(3) == 0 && (await undo.ExecuteAsync(person, "lead", UndoKind.Redo, Guid.NewGuid(), "test")).Succeeded) Interlocked.Increment(ref redos);
                    }
                    else if (roll < 4)
                    {
                        if ((await undo.ExecuteAsync(person, "lead", UndoKind.Redo, Guid.NewGuid(), "test")).Succeeded) Interlocked.Increment(ref redos);
                    }
                    else if (roll < 5)
                    {
                        await cards.CreateAsync(person, "lead", new CardWrites.CreateRequest(Stages[rnd.Next(3)], new CardDraft { Title = $"New {phase}.{i}" }), Guid.NewGuid(), "test", default);
                    }
                    else if (roll < 6)
                    {
                        if ((await cards.DeleteAsync(person, "lead", card.Id, card.Version, Guid.NewGuid(), "test", default)).Outcome != CardWriteOutcome.Saved) continue;
                        Interlocked.Increment(ref deletions);
                    }
                    else if (roll < 7)
                    {
                        // The card changes hands: its whole history counts for its new owner.
                        var details = await cards.ReadAsync(person, "lead", card.Id, default);
                        if (details is null) continue;
                        var draft = details.Fields with { OwnerId = card.OwnerId == rep.UserId ? manager.UserId : rep.UserId };
                        if ((await cards.UpdateAsync(person, "lead", card.Id, details.Version, draft, Guid.NewGuid(), "test", default)).Outcome == CardWriteOutcome.Saved)
                            Interlocked.Increment(ref handovers);
                    }
                    else
                    {
                        await moveCard.ExecuteAsync(person, "lead",
                            new MoveRequest(card.Id, card.Version, Stages[rnd.Next(Stages.Length)], rnd.Next(0, 4), Reason: "test", WipOverride: rnd.Next(2) == 0),
                            Guid.NewGuid(), "test", default);
                    }
                }
            })).Append(Task.Run(async () =>
            {
                for (var i = 0; i < 5; i++) await projector.CatchUpAsync(tenant.Id, "lead", default);
            })).ToList();
            await Task.WhenAll(people);
        }
        // A card created and won a day later, after the random work: whether the random work left a card won
        // (not moved on or undone since) was luck, and once in a while none was.
        var created = await cards.CreateAsync(rep, "lead", new CardWrites.CreateRequest("new", new CardDraft { Title = "Won at last" }), Guid.NewGuid(), "test", default);
        Assert.True(created.Succeeded, created.Message);
        clock.Now = clock.Now.AddDays(1);
        var won = await moveCard.ExecuteAsync(manager, "lead", new MoveRequest(created.Card!.Id, created.Card.Version, "won", 0, Reason: "Signed", WipOverride: true), Guid.NewGuid(), "test", default);
        Assert.True(won.Succeeded, won.Decision.Message);
        await projector.CatchUpAsync(tenant.Id, "lead", default);
        var incremental = await StoredAsync(tenant.Id);

        // The workload did what the test is about.
        Assert.True(undos > 3 && redos > 0 && deletions > 0 && handovers > 0, $"undos {undos}, redos {redos}, deletions {deletions}, handovers {handovers}");
        await using (var db = await database.OwnerContextAsync(tenant.Id))
        {
            // Every card on the board has exactly one current stay, in its stage.
            var onBoard = (await db.Cards.AsNoTracking().Where(c => c.EntityType == "lead").Select(c => new { c.Id, c.Stage }).ToListAsync())
                .Select(c => $"{c.Id} {c.Stage}").Order().ToList();
            var current = (await db.FlowStays.AsNoTracking().Where(s => s.EntityType == "lead" && s.LeftAt == null).Select(s => new { s.CardId, s.Stage }).ToListAsync())
                .Select(s => $"{s.CardId} {s.Stage}").Order().ToList();
            Assert.Equal(onBoard, current);
            Assert.True(await db.Metrics.AnyAsync(m => m.Period == "day" && m.Done > 0 && m.LeadMs > 0));
            Assert.True(await db.Metrics.AnyAsync(m => m.Period == "week" && m.Stage == "contacted" && m.WipOverrides > 0));
            Assert.True(await db.Metrics.AnyAsync(m => m.Period == "hour" && m.Stage == "contacted" && m.WipWarnings > 0));
        }

        var rebuiltAt = await projector.RebuildAsync(tenant.Id, "lead", default);
        var rebuilt = await StoredAsync(tenant.Id);
        Assert.True(rebuiltAt > 100, $"the log holds only {rebuiltAt} events");
        Assert.Equal(rebuilt.Stays, incremental.Stays);
        Assert.Equal(rebuilt.Counts, incremental.Counts);
    }
}

using System.Net;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Cards;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using KanbanBlazor.Web.Features.Metrics;
using KanbanBlazor.Web.Tenancy;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The dashboard's figures from the metrics kept beside the log, for a four-card history worked
/// out by hand, for a manager and for a Sales rep; Viewers refused, in the service and in the API.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class MetricsReportTests(TestDatabase database)
{
    // Monday 2 November 2026.
    private static readonly DateTimeOffset Day0 = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static DateTimeOffset At(double days, double hours = 0) => Day0.AddDays(days).AddHours(hours);
    private static readonly DateOnly D0 = DateOnly.FromDateTime(Day0.UtcDateTime);

    private sealed record History(TestTenant Tenant, ManualClock Clock, MetricsReport Report, Guid A, Guid B, Guid C, Guid D);

    /// <summary>
    /// A (manager's): created day 0 09:00 in New, Contacted day 1 09:00, Won day 3 09:00.
    /// B (rep's): created day 0 12:00, Contacted day 0 18:00, Lost day 2 18:00.
    /// C (rep's): created day 1 00:00, Contacted day 2 00:00, Won day 2 06:00 and undone at 07:00.
    /// D (manager's): created day 2 12:00 in New. The work starts in Contacted. Now: day 4 00:00.
    /// </summary>
    private async Task<History> HistoryAsync()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var clock = new ManualClock(At(-1));
        var transaction = new BoardTransaction(database.WriterFactory(), new BoardHub(NullLogger<BoardHub>.Instance), clock);
        var cards = new CardWrites(transaction, database.KanbanFactory(), NullLogger<CardWrites>.Instance);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        var undo = new UndoMove(transaction, database.KanbanFactory(), NullLogger<UndoMove>.Instance);
        var configure = new ConfigureBoard(transaction, database.KanbanFactory());
        var (admin, manager, rep) = (tenant.As(TenantRole.Admin), tenant.As(TenantRole.Manager), tenant.As(TenantRole.SalesRep));
        var config = (await configure.ReadAsync(admin, "lead", default))!;
        Assert.Equal(ConfigureOutcome.Saved, (await configure.SaveAsync(admin, config with { WorkStartedStage = "contacted" }, Guid.NewGuid(), "test", default)).Outcome);

        var versions = new Dictionary<Guid, int>();
        async Task<Guid> Create(DateTimeOffset at, CurrentTenant owner, string title)
        {
            clock.Now = at;
            var card = (await cards.CreateAsync(manager, "lead", new CardWrites.CreateRequest("new", new CardDraft { Title = title, OwnerId = owner.UserId }), Guid.NewGuid(), "test", default)).Card!;
            versions[card.Id] = card.Version;
            return card.Id;
        }
        async Task Move(DateTimeOffset at, CurrentTenant who, Guid card, string to)
        {
            clock.Now = at;
            var result = await move.ExecuteAsync(who, "lead", new MoveRequest(card, versions[card], to, 0, Reason: "Decided"), Guid.NewGuid(), "test", default);
            Assert.True(result.Succeeded, result.Decision.Message);
            versions[card] = result.Events.Select(e => e.Event).OfType<KanbanBlazor.Core.Boards.CardMoved>().Single().Version;
        }

        var a = await Create(At(0, 9), manager, "A");
        var b = await Create(At(0, 12), rep, "B");
        await Move(At(0, 18), manager, b, "contacted");
        var c = await Create(At(1), rep, "C");
        await Move(At(1, 9), manager, a, "contacted");
        await Move(At(2), manager, c, "contacted");
        await Move(At(2, 6), rep, c, "won");
        clock.Now = At(2, 7);
        Assert.True((await undo.ExecuteAsync(rep, "lead", UndoKind.Undo, Guid.NewGuid(), "test")).Succeeded);
        var d = await Create(At(2, 12), manager, "D");
        await Move(At(2, 18), manager, b, "lost");
        await Move(At(3, 9), manager, a, "won");
        clock.Now = At(4);
        var projector = new MetricsProjector(database.KanbanFactory(), clock, NullLogger<MetricsProjector>.Instance);
        return new History(tenant, clock, new MetricsReport(database.KanbanFactory(), projector, clock), a, b, c, d);
    }

    [Fact]
    public async Task A_managers_figures_follow_the_hand_computed_history_and_an_undone_win_is_not_a_win()
    {
        var h = await HistoryAsync();
        var (m, refusal, _) = await h.Report.ExecuteAsync(h.Tenant.As(TenantRole.Manager), new MetricsQuery("lead", D0, D0.AddDays(3), "day"), default);
        Assert.Equal(MetricsRefusal.None, refusal);

        // Lead: A 3 days, B 2¼ days. Cycle from Contacted: A and B 2 days each.
        Assert.Equal((2, 2.63, 2.63, 2.89), (m!.LeadTime.Count, m.LeadTime.Average, m.LeadTime.Median, m.LeadTime.P85));
        Assert.InRange(m.LeadTime.P90, 2.92, 2.93); // 2.925
        Assert.Equal(new DurationFigures(2, 2, 2, 2, 2), m.CycleTime);
        Assert.Equal([h.B, h.A], m.Cycle.Select(p => p.CardId));
        Assert.Equal((1, 1, 0.5), (m.Won, m.Lost, m.WinRate));

        // New: A 24 h, B 6 h, C 24 h. Contacted: A and B 48 h (C's stay there is not finished: its win was undone).
        var stage = m.Stages.ToDictionary(s => s.Stage);
        Assert.Equal((3, 0.75, 1.0), (stage["new"].Stays, stage["new"].AverageDays, stage["new"].MedianDays));
        Assert.Equal((2, 2.0), (stage["contacted"].Stays, stage["contacted"].AverageDays));
        Assert.Equal((4, 3, 1), (stage["new"].Entered, stage["new"].Exited, stage["new"].WipNow));
        Assert.Equal((1, 0), (stage["won"].Entered, stage["won"].Exited));

        Assert.Equal([0, 0, 1, 1], m.Throughput.Select(t => t.Done));
        Assert.Equal([0, 0, 0, 1], m.Throughput.Select(t => t.Won));
        // Cumulative flow, each day's end: New, Contacted, …, Won, Lost.
        Assert.Equal([
            [1, 1, 0, 0, 0, 0, 0],
            [1, 2, 0, 0, 0, 0, 0],
            [1, 2, 0, 0, 0, 0, 1],
            [1, 1, 0, 0, 0, 1, 1]], m.Flow.Select(f => f.Wip.ToArray()));

        // Open: C in Contacted for 2 days (not over that stage's 2-day p85, but with no next action), D in New for 1.5 days.
        Assert.Equal(2, m.OpenCards);
        Assert.Equal(2, m.AtRisk);
        Assert.Equal(new[] { (h.C, 2.0), (h.D, 1.5) }.OrderBy(x => x.Item1), m.Aging.Select(a => (a.CardId, a.AgeDays)).OrderBy(x => x.Item1));
        Assert.All(m.Aging, a => Assert.Equal(NextActionState.None, a.NextAction));

        // Funnel of the four new cards: all in New, three reached Contacted, one was won.
        Assert.Equal([("new", 4), ("contacted", 3), ("qualified", 0), ("proposal", 0), ("negotiation", 0), ("won", 1)], m.Funnel.Select(f => (f.Stage, f.Reached)));
        // The bottleneck is where cards waited, and wait: Contacted.
        Assert.Equal(100, stage["contacted"].Bottleneck);

        // The forecast samples the four days from the first card on (days 0-3: 0, 0, 1, 1 done), even when the
        // period starts ten days earlier; with 10,000 simulations of 4 such days, 2 done is the median.
        var (longer, _, _) = await h.Report.ExecuteAsync(h.Tenant.As(TenantRole.Manager),
            new MetricsQuery("lead", D0.AddDays(-10), D0.AddDays(3), "day", ForecastBy: D0.AddDays(8), ForecastItems: 3), default);
        Assert.Equal((4, 4, 3), (longer!.Forecast.SampleDays, longer.Forecast.ByDays, longer.Forecast.Items));
        Assert.Equal(2, longer.Forecast.HowMany.At50);
        Assert.NotNull(longer.Forecast.When);
        Assert.Null(longer.Forecast.WeightedValue);
    }

    [Fact]
    public async Task A_sales_rep_sees_only_their_own_cards_and_a_viewer_nothing()
    {
        var h = await HistoryAsync();
        // The rep asks for the manager's figures, and gets their own.
        var (m, _, _) = await h.Report.ExecuteAsync(h.Tenant.As(TenantRole.SalesRep),
            new MetricsQuery("lead", D0, D0.AddDays(3), "day", OwnerId: h.Tenant.As(TenantRole.Manager).UserId), default);
        Assert.Equal(h.Tenant.As(TenantRole.SalesRep).UserId, m!.OwnerId);
        Assert.Equal((1, 2.25), (m.LeadTime.Count, m.LeadTime.Average));
        Assert.Equal([h.C], m.Aging.Select(a => a.CardId));
        Assert.Equal((0, 1), (m.Won, m.Lost));
        Assert.Equal([0, 0, 1, 0], m.Throughput.Select(t => t.Done));
        Assert.Equal([("new", 2), ("contacted", 2)], m.Funnel.Take(2).Select(f => (f.Stage, f.Reached)));

        var (none, refusal, _) = await h.Report.ExecuteAsync(h.Tenant.As(TenantRole.Viewer), new MetricsQuery("lead", D0, D0.AddDays(3)), default);
        Assert.Null(none);
        Assert.Equal(MetricsRefusal.NotPermitted, refusal);
    }

    [Fact]
    public async Task A_move_refused_at_a_hard_wip_limit_is_counted_as_a_block_for_that_board_person_and_tenant()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        var elsewhere = await database.CreateTenantAsync(cardsPerStage: 2);
        var transaction = new BoardTransaction(database.WriterFactory(), new BoardHub(NullLogger<BoardHub>.Instance), TimeProvider.System);
        var blocks = new WipBlocks(database.KanbanFactory(), TimeProvider.System, NullLogger<WipBlocks>.Instance);
        var move = new MoveCard(transaction, NullLogger<MoveCard>.Instance, blocks);
        var configure = new ConfigureBoard(transaction, database.KanbanFactory());
        var (admin, manager, rep) = (tenant.As(TenantRole.Admin), tenant.As(TenantRole.Manager), tenant.As(TenantRole.SalesRep));
        var config = (await configure.ReadAsync(admin, "lead", default))!;
        var full = config.Stages.Select(s => s.Key == "contacted" ? s with { WipSoftLimit = 1, WipHardLimit = 2 } : s).ToList();
        Assert.Equal(ConfigureOutcome.Saved, (await configure.SaveAsync(admin, config with { Stages = full }, Guid.NewGuid(), "test", default)).Outcome);
        var board = (await new LoadBoard(database.KanbanFactory()).ExecuteAsync(rep, "lead", default))!;
        var card = board.CardsIn("new")[0];

        // Contacted holds 2 of 2: the move is refused, and nothing on the board changes.
        var refused = await move.ExecuteAsync(rep, "lead", new MoveRequest(card.Id, card.Version, "contacted", 0), Guid.NewGuid(), "test", default);
        Assert.Equal(KanbanBlazor.Core.Moves.MoveRefusal.WipHardLimit, refused.Decision.Refusal);

        var projector = new MetricsProjector(database.KanbanFactory(), TimeProvider.System, NullLogger<MetricsProjector>.Instance);
        var report = new MetricsReport(database.KanbanFactory(), projector, TimeProvider.System);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        async Task<int> BlocksAsync(TestTenant t, CurrentTenant viewer, Guid? owner = null) =>
            (await report.ExecuteAsync(viewer, new MetricsQuery("lead", today.AddDays(-1), today, OwnerId: owner), default)).Metrics!.Stages.Single(s => s.Stage == "contacted").WipBlocks;
        Assert.Equal(1, await BlocksAsync(tenant, manager));
        Assert.Equal(1, await BlocksAsync(tenant, rep));
        Assert.Equal(0, await BlocksAsync(tenant, manager, manager.UserId));
        Assert.Equal(0, await BlocksAsync(elsewhere, elsewhere.As(TenantRole.Manager)));
    }

    [Fact]
    public async Task The_api_answers_the_same_figures_refuses_viewers_and_explains_a_bad_query()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 2);
        await using var app = TestApp.Create(database.AppConnectionString);
        var manager = await ApiTests.CallerAsync(app, tenant, TenantRole.Manager);
        var viewer = await ApiTests.CallerAsync(app, tenant, TenantRole.Viewer);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var json = await ApiTests.JsonAsync(await manager.GetAsync($"/api/v1/kanban/metrics/lead?from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}&period=day"), HttpStatusCode.OK);
        Assert.Equal(7, json.GetProperty("throughput").GetArrayLength());
        Assert.Equal(7, json.GetProperty("flow").GetArrayLength());
        Assert.Equal("new", json.GetProperty("stages")[0].GetProperty("stage").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/v1/kanban/metrics/lead")).StatusCode);
        var bad = await ApiTests.JsonAsync(await manager.GetAsync("/api/v1/kanban/metrics/lead?from=yesterday"), HttpStatusCode.BadRequest);
        Assert.Equal("INVALID_QUERY", bad.GetProperty("code").GetString());
        Assert.Contains("'from'", bad.GetProperty("detail").GetString());
        var backwards = await ApiTests.JsonAsync(await manager.GetAsync("/api/v1/kanban/metrics/lead?from=2026-11-05&to=2026-11-01"), HttpStatusCode.BadRequest);
        Assert.Contains("ends before it starts", backwards.GetProperty("detail").GetString());

        var csv = await (await manager.GetAsync("/api/v1/kanban/metrics/lead/csv/stages")).Content.ReadAsStringAsync();
        Assert.StartsWith("stage,name,outcome,entered", csv.TrimStart('\uFEFF'));
        Assert.Contains("\nnew,New,Open,", csv);
    }
}

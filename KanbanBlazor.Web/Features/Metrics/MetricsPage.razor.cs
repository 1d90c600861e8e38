using System.Globalization;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Metrics;
using KanbanBlazor.Web.Components;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Features.Cards;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace KanbanBlazor.Web.Features.Metrics;

public partial class MetricsPage
{
    [Inject] private BoardText Text { get; set; } = null!;
    [Inject] private TenantContext Tenants { get; set; } = null!;
    [Inject] private MetricsReport Report { get; set; } = null!;
    [Inject] private CardWrites Cards { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private TimeProvider Clock { get; set; } = null!;
    [Inject] private ILogger<MetricsPage> Logger { get; set; } = null!;

    [CascadingParameter] private UiPreferences? Preferences { get; set; }

    [Parameter] public string EntityType { get; set; } = EntityTypes.Lead;

    [SupplyParameterFromQuery(Name = "from")] public string? From { get; set; }
    [SupplyParameterFromQuery(Name = "to")] public string? To { get; set; }
    [SupplyParameterFromQuery(Name = "period")] public string? Period { get; set; }
    [SupplyParameterFromQuery(Name = "owner")] public string? Owner { get; set; }
    [SupplyParameterFromQuery(Name = "forecastBy")] public string? ForecastBy { get; set; }
    [SupplyParameterFromQuery(Name = "forecastItems")] public string? ForecastItems { get; set; }

    private CurrentTenant? tenant;
    private bool forbidden;
    private BoardMetrics? metrics;
    private string? problem;
    private string? announcement;
    private IReadOnlyList<(Guid UserId, string Name)> members = [];
    private string? loaded;

    // The form, as typed (applied with the button: the address changes, so a view can be shared and Back undoes it).
    private string? fromText, toText, byText;
    private string period = "week";
    private string owner = "";
    private int? items;

    private object? cycleChart, flowChart, agingChart;
    private List<ChartSeries<double>> throughputSeries = [], stageSeries = [], funnelSeries = [];
    private string[] throughputLabels = [], stageLabels = [], funnelLabels = [];
    private readonly BarChartOptions barOptions = new() { XAxisLabelRotation = 40 };
    private readonly LineChartOptions lineOptions = new() { XAxisLabelRotation = 40 };

    /// <summary>The cycle-time table lists the latest cards done (all of them are in the chart and the CSV).</summary>
    private const int CycleRowsShown = 100;

    private bool HasConversion => EntityType is EntityTypes.Lead or EntityTypes.Opportunity;
    private DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    protected override async Task OnParametersSetAsync()
    {
        if (!EntityTypes.IsKnown(EntityType))
        {
            Navigation.NotFound();
            return;
        }
        if (!RendererInfo.IsInteractive) return;
        var address = Navigation.Uri;
        if (loaded == address) return;
        loaded = address;
        tenant ??= await Tenants.GetAsync();
        forbidden = !MetricsReport.MaySee(tenant.Role);
        if (forbidden) return;
        if (tenant.Role != TenantRole.SalesRep && members.Count == 0) members = await Cards.MembersAsync(tenant, CancellationToken.None);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        problem = null;
        var (query, bad) = MetricsApi.Parse(EntityType, From, To, Period, Owner, ForecastBy, ForecastItems, Clock);
        if (bad is not null)
        {
            (problem, metrics) = (Text["Metrics.BadAddress"], null);
            return;
        }
        (fromText, toText, period, owner) = (Iso(query!.From), Iso(query.To), query.Period, query.OwnerId?.ToString() ?? "");
        (byText, items) = (query.ForecastBy is { } by ? Iso(by) : null, query.ForecastItems);
        try
        {
            var (result, refusal, _) = await Report.ExecuteAsync(tenant!, query, CancellationToken.None);
            if (refusal == MetricsRefusal.NotPermitted) forbidden = true;
            else if (refusal == MetricsRefusal.NoBoard) Navigation.NotFound();
            else if (refusal == MetricsRefusal.BadQuery) (problem, metrics) = (Text["Metrics.BadPeriod", MetricsQuery.MaxDays], null);
            else
            {
                metrics = result;
                (byText, items) = (Iso(result!.Forecast.By), result.Forecast.Items);
                Chart(result);
                announcement = Text["Metrics.Shown", Text.BoardName(EntityType), Date(query.From), Date(query.To)];
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogError(ex, "The metrics of board {EntityType} could not be read", EntityType);
            (problem, metrics) = (Text["Metrics.Failed"], null);
        }
    }

    private void ChooseBoard(string type) => Navigation.NavigateTo(Address(type));

    private Task ApplyAsync()
    {
        // A date typed wrong stays in the form, said beside it; nothing else changes.
        if (!ValidDate(fromText) || !ValidDate(toText) || !ValidDate(byText))
        {
            problem = Text["Metrics.BadDate"];
            return Task.CompletedTask;
        }
        Navigation.NavigateTo(Address(EntityType));
        return Task.CompletedTask;
    }

    private static bool ValidDate(string? text) =>
        string.IsNullOrEmpty(text) || DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private string Address(string type)
    {
        var query = new Dictionary<string, object?>
        {
            ["from"] = Blank(fromText), ["to"] = Blank(toText), ["period"] = period, ["owner"] = Blank(owner),
            ["forecastBy"] = Blank(byText), ["forecastItems"] = items?.ToString(CultureInfo.InvariantCulture),
        };
        return Navigation.GetUriWithQueryParameters($"/metrics/{type}", query);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private string CsvUrl(string section) =>
        Navigation.GetUriWithQueryParameters($"/api/v1/kanban/metrics/{EntityType}/csv/{section}", new Dictionary<string, object?>
        {
            ["from"] = Iso(metrics!.From), ["to"] = Iso(metrics.To), ["period"] = metrics.Period, ["owner"] = metrics.OwnerId?.ToString(),
            ["forecastBy"] = Iso(metrics.Forecast.By), ["forecastItems"] = metrics.Forecast.Items.ToString(CultureInfo.InvariantCulture),
        });

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    private static string Date(DateOnly day) => day.ToString("d", CultureInfo.CurrentCulture);
    private static string Date(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime).ToString("d", CultureInfo.CurrentCulture);
    private static string Number(double value) => value.ToString("0.##", CultureInfo.CurrentCulture);
    private string Days(double days) => Text["Metrics.Days", Number(days)];
    private static int Pick(ForecastRange range, int i) => i switch { 0 => range.At50, 1 => range.At85, _ => range.At95 };

    private string StageName(string key)
    {
        var stage = metrics?.Stages.FirstOrDefault(s => s.Stage == key);
        return stage is null ? key : Text.StageName(EntityType, new BoardStage(stage.Stage, stage.Name, stage.Outcome, null, null));
    }

    /// <summary>The charts' data from the figures (labels in the reader's language).</summary>
    private void Chart(BoardMetrics m)
    {
        var names = m.Stages.Select(s => StageName(s.Stage)).ToArray();

        throughputLabels = m.Throughput.Select(t => t.Start.ToString(m.Period == "month" ? "MMM yyyy" : "d MMM", CultureInfo.CurrentCulture)).ToArray();
        throughputSeries = [new() { Name = Text["Metrics.Done"], Data = new ChartData<double>(m.Throughput.Select(t => (double)t.Done).ToArray()) }];
        if (HasConversion)
        {
            throughputSeries.Add(new() { Name = Text["Metrics.Won"], Data = new ChartData<double>(m.Throughput.Select(t => (double)t.Won).ToArray()) });
            throughputSeries.Add(new() { Name = Text["Metrics.Lost"], Data = new ChartData<double>(m.Throughput.Select(t => (double)t.Lost).ToArray()) });
        }

        var open = m.Stages.Where(s => s.Outcome == StageOutcome.Open).ToList();
        stageLabels = open.Select(s => StageName(s.Stage)).ToArray();
        stageSeries =
        [
            new() { Name = Text["Metrics.Average"], Data = new ChartData<double>(open.Select(s => s.AverageDays).ToArray()) },
            new() { Name = Text["Metrics.Median"], Data = new ChartData<double>(open.Select(s => s.MedianDays).ToArray()) },
            new() { Name = Text["Metrics.P90"], Data = new ChartData<double>(open.Select(s => s.P90Days).ToArray()) },
        ];
        funnelLabels = m.Funnel.Select(f => StageName(f.Stage)).ToArray();
        funnelSeries = [new() { Name = Text["Metrics.Reached"], Data = new ChartData<double>(m.Funnel.Select(f => (double)f.Reached).ToArray()) }];

        // Cycle time of each card done (x: days since the period began), with its percentiles drawn across.
        var span = m.To.DayNumber - m.From.DayNumber + 1;
        var start = new DateTimeOffset(m.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        object Line(string label, double y, string color) => new
        {
            type = "line", label, data = new[] { new { x = 0.0, y }, new { x = (double)span, y } },
            borderColor = color, borderDash = new[] { 6, 4 }, pointRadius = 0, borderWidth = 1.5,
        };
        cycleChart = new
        {
            type = "scatter",
            data = new
            {
                datasets = new object[]
                {
                    new { label = Text["Metrics.Card"], data = m.Cycle.Select(p => new { x = Math.Round((p.Done - start).TotalDays, 2), y = p.CycleDays }), backgroundColor = "#1976d2" },
                    Line(Text["Metrics.PercentileLine", 50], m.CycleTime.Median, "#2e7d32"),
                    Line(Text["Metrics.PercentileLine", 85], m.CycleTime.P85, "#ef6c00"),
                    Line(Text["Metrics.PercentileLine", 90], m.CycleTime.P90, "#c62828"),
                },
            },
            options = new
            {
                scales = new
                {
                    x = new { type = "linear", min = 0, max = span, title = new { display = true, text = Text["Metrics.DaysSince", Date(m.From)] } },
                    y = new { beginAtZero = true, title = new { display = true, text = Text["Metrics.CycleDays"] } },
                },
            },
        };

        // Cumulative flow: a stacked area per stage, the closing stages at the bottom.
        string[] palette = ["#90caf9", "#64b5f6", "#42a5f5", "#1e88e5", "#1565c0", "#0d47a1", "#5c6bc0", "#7e57c2", "#ab47bc"];
        var ordered = m.Stages.Select((s, i) => (Stage: s, Index: i)).OrderBy(x => x.Stage.Outcome == StageOutcome.Open ? 1 : 0).ThenByDescending(x => x.Index).ToList();
        flowChart = new
        {
            type = "line",
            data = new
            {
                labels = m.Flow.Select(d => Date(d.Day)),
                datasets = ordered.Select((x, n) => new
                {
                    label = names[x.Index],
                    data = m.Flow.Select(d => d.Wip[x.Index]),
                    fill = n == 0 ? "origin" : "-1",
                    backgroundColor = x.Stage.Outcome switch { StageOutcome.Won => "#66bb6a", StageOutcome.Lost => "#bdbdbd", _ => palette[x.Index % palette.Length] },
                    borderColor = "rgba(0,0,0,0.25)",
                    borderWidth = 1,
                    pointRadius = 0,
                }),
            },
            options = new { scales = new { y = new { stacked = true, beginAtZero = true, title = new { display = true, text = Text["Metrics.Cards"] } } }, interaction = new { mode = "index", intersect = false } },
        };

        // Aging: each open card shown, by stage and days there; each stage's 85th percentile marked.
        agingChart = new
        {
            type = "scatter",
            data = new
            {
                labels = stageLabels,
                datasets = new object[]
                {
                    new { label = Text["Metrics.AtRisk"], data = m.Aging.Where(a => a.AtRisk).Select(a => new { x = StageName(a.Stage), y = a.AgeDays }), backgroundColor = "#c62828" },
                    new { label = Text["Metrics.OnTrack"], data = m.Aging.Where(a => !a.AtRisk).Select(a => new { x = StageName(a.Stage), y = a.AgeDays }), backgroundColor = "#1976d2" },
                    new { label = Text["Metrics.StageP85"], data = open.Select(s => new { x = StageName(s.Stage), y = s.P85Days }), pointStyle = "line", pointRadius = 14, borderWidth = 2, borderColor = "#ef6c00", backgroundColor = "#ef6c00" },
                },
            },
            options = new
            {
                scales = new
                {
                    x = new { type = "category", labels = stageLabels },
                    y = new { beginAtZero = true, title = new { display = true, text = Text["Metrics.AgeDays"] } },
                },
            },
        };
    }

    private async Task OpenCardAsync(AgingCard card)
    {
        var parameters = new DialogParameters<CardDialog>
        {
            { d => d.Tenant, tenant! },
            { d => d.EntityType, EntityType },
            { d => d.CardId, card.CardId },
            { d => d.Stage, card.Stage },
            { d => d.StageLabel, StageName(card.Stage) },
            { d => d.TimeZone, Preferences?.TimeZone ?? TimeZoneInfo.Utc },
            { d => d.StageName, StageName },
        };
        var dialog = await Dialogs.ShowAsync<CardDialog>(card.Title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true, BackdropClick = false });
        if (await dialog.Result is { Canceled: false, Data: string done }) announcement = done;
    }
}

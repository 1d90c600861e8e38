using System.Globalization;
using System.Text;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Features.Api;
using KanbanBlazor.Web.Tenancy;

namespace KanbanBlazor.Web.Features.Metrics;

/// <summary><c>GET /api/v1/kanban/metrics/{entityType}</c>: the dashboard's figures; <c>…/csv/{section}</c>:
/// one chart's numbers as CSV (the dashboard's download links); <c>POST …/rebuild</c>: an Admin recomputes
/// the board's metrics from its log.</summary>
public static class MetricsApi
{
    public static readonly IReadOnlyList<string> Sections = ["stages", "throughput", "cycle", "flow", "aging", "funnel", "forecast"];

    public static void MapMetricsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/metrics/{entityType}", async (string entityType, HttpContext http, TenantContext tenants, MetricsReport report, TimeProvider clock, CancellationToken ct) =>
            {
                var (metrics, problem) = await ReadAsync(entityType, http, tenants, report, clock, ct);
                return problem ?? Results.Ok(metrics);
            })
            .WithSummary("Flow metrics of a board for a period: lead and cycle time, time in stage, throughput, cumulative flow, aging work, bottlenecks, conversion and forecasts")
            .WithDescription("Query: from, to (yyyy-MM-dd, UTC days, default the last 90 days), period (day, week, month), owner (a user id; a Sales rep always gets their own), forecastBy (a date), forecastItems (a count). 403 for Viewers.")
            .Produces<BoardMetrics>().ProducesProblem(400).ProducesProblem(404);

        api.MapGet("/metrics/{entityType}/csv/{section}", async (string entityType, string section, HttpContext http, TenantContext tenants, MetricsReport report, TimeProvider clock, CancellationToken ct) =>
            {
                if (!Sections.Contains(section))
                    return ApiProblems.Result(404, "UNKNOWN_SECTION", $"There is no section '{section}': one of {string.Join(", ", Sections)}.");
                var (metrics, problem) = await ReadAsync(entityType, http, tenants, report, clock, ct);
                if (problem is not null) return problem;
                var csv = Csv(metrics!, section);
                return Results.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray(), "text/csv; charset=utf-8",
                    $"{entityType}-{section}-{metrics!.From:yyyy-MM-dd}-{metrics.To:yyyy-MM-dd}.csv");
            })
            .WithSummary("One section of the metrics as CSV: stages, throughput, cycle, flow, aging, funnel or forecast")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(400).ProducesProblem(404);

        api.MapPost("/metrics/{entityType}/rebuild", async (string entityType, TenantContext tenants, MetricsProjector projector, CancellationToken ct) =>
            {
                if (!EntityTypes.IsKnown(entityType)) return ApiProblems.Result(404, "UNKNOWN_ENTITY_TYPE", $"There is no entity type '{entityType}'.");
                var tenant = await tenants.GetAsync(ct);
                if (tenant.Role != TenantRole.Admin) return ApiProblems.Result(403, "NOT_PERMITTED", "Only Admins rebuild the metrics.");
                return Results.Ok(new { sequence = await projector.RebuildAsync(tenant.TenantId, entityType, ct) });
            })
            .WithSummary("Recompute a board's metrics from its whole event log (Admins)")
            .Produces(StatusCodes.Status200OK).ProducesProblem(403).ProducesProblem(404);
    }

    private static async Task<(BoardMetrics? Metrics, IResult? Problem)> ReadAsync(string entityType, HttpContext http, TenantContext tenants,
        MetricsReport report, TimeProvider clock, CancellationToken ct)
    {
        if (!EntityTypes.IsKnown(entityType)) return (null, ApiProblems.Result(404, "UNKNOWN_ENTITY_TYPE", $"There is no entity type '{entityType}'."));
        var q = http.Request.Query;
        var (query, bad) = Parse(entityType, q["from"], q["to"], q["period"], q["owner"], q["forecastBy"], q["forecastItems"], clock);
        if (bad is not null) return (null, ApiProblems.Result(400, "INVALID_QUERY", bad));
        var (metrics, refusal, problem) = await report.ExecuteAsync(await tenants.GetAsync(ct), query!, ct);
        return refusal switch
        {
            MetricsRefusal.None => (metrics, null),
            MetricsRefusal.NotPermitted => (null, ApiProblems.Result(403, "NOT_PERMITTED", problem!)),
            MetricsRefusal.NoBoard => (null, ApiProblems.Result(404, "BOARD_NOT_FOUND", problem!)),
            _ => (null, ApiProblems.Result(400, "INVALID_QUERY", problem!)),
        };
    }

    /// <summary>The query from its text (the API's and the dashboard's address): each bad part named.</summary>
    public static (MetricsQuery? Query, string? Problem) Parse(string entityType, string? from, string? to, string? period, string? owner,
        string? forecastBy, string? forecastItems, TimeProvider clock)
    {
        static bool Date(string? text, out DateOnly? value)
        {
            value = null;
            if (string.IsNullOrWhiteSpace(text)) return true;
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return false;
            value = parsed;
            return true;
        }
        if (!Date(from, out var f)) return (null, $"'from' is not a date (yyyy-MM-dd): '{from}'.");
        if (!Date(to, out var t)) return (null, $"'to' is not a date (yyyy-MM-dd): '{to}'.");
        if (!Date(forecastBy, out var by)) return (null, $"'forecastBy' is not a date (yyyy-MM-dd): '{forecastBy}'.");
        Guid? ownerId = null;
        if (!string.IsNullOrWhiteSpace(owner))
        {
            if (!Guid.TryParse(owner, out var o)) return (null, $"'owner' is not a user id: '{owner}'.");
            ownerId = o;
        }
        int? items = null;
        if (!string.IsNullOrWhiteSpace(forecastItems))
        {
            if (!int.TryParse(forecastItems, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return (null, $"'forecastItems' is not a whole number: '{forecastItems}'.");
            items = n;
        }
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var end = t ?? today;
        return (new MetricsQuery(entityType, f ?? end.AddDays(-89), end, string.IsNullOrWhiteSpace(period) ? "week" : period, ownerId, by, items), null);
    }

    /// <summary>One section's numbers, a header row of English column names and a row per figure.</summary>
    public static string Csv(BoardMetrics m, string section)
    {
        var csv = new StringBuilder();
        void Row(params object?[] cells) => csv.AppendLine(string.Join(",", cells.Select(Cell)));
        switch (section)
        {
            case "stages":
                Row("stage", "name", "outcome", "entered", "exited", "wip_now", "stays", "average_days", "median_days", "p85_days", "p90_days", "p95_days", "wip_warnings", "wip_blocks", "wip_overrides", "bottleneck");
                foreach (var s in m.Stages)
                    Row(s.Stage, s.Name, s.Outcome, s.Entered, s.Exited, s.WipNow, s.Stays, s.AverageDays, s.MedianDays, s.P85Days, s.P90Days, s.P95Days, s.WipWarnings, s.WipBlocks, s.WipOverrides, s.Bottleneck);
                break;
            case "throughput":
                Row("period_start", "done", "won", "lost");
                foreach (var p in m.Throughput) Row(p.Start, p.Done, p.Won, p.Lost);
                break;
            case "cycle":
                Row("card_id", "title", "done_at", "stage", "cycle_days", "lead_days");
                foreach (var p in m.Cycle) Row(p.CardId, p.Title, p.Done, p.Stage, p.CycleDays, p.LeadDays);
                break;
            case "flow":
                Row(["day", .. m.Stages.Select(s => s.Stage)]);
                foreach (var d in m.Flow) Row([d.Day, .. d.Wip.Cast<object?>()]);
                break;
            case "aging":
                Row("card_id", "title", "stage", "age_days", "next_action", "at_risk", "owner");
                foreach (var a in m.Aging) Row(a.CardId, a.Title, a.Stage, a.AgeDays, a.NextAction, a.AtRisk, a.OwnerName);
                break;
            case "funnel":
                Row("stage", "name", "reached", "share");
                foreach (var f in m.Funnel) Row(f.Stage, f.Name, f.Reached, f.Share);
                break;
            default:
                Row("confidence", "cards_by_date", "by", "days_for_items", "items", "weighted_value", "currency");
                int[] confidences = [50, 85, 95];
                for (var i = 0; i < 3; i++)
                {
                    var howMany = i switch { 0 => m.Forecast.HowMany.At50, 1 => m.Forecast.HowMany.At85, _ => m.Forecast.HowMany.At95 };
                    int? when = m.Forecast.When is null ? null : i switch { 0 => m.Forecast.When.At50, 1 => m.Forecast.When.At85, _ => m.Forecast.When.At95 };
                    Row(confidences[i], howMany, m.Forecast.By, when, m.Forecast.Items, m.Forecast.WeightedValue?[i], m.Forecast.Currency);
                }
                break;
        }
        return csv.ToString();
    }

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // A title that looks like a formula is written as text; quotes and commas are quoted.
        if (text.Length > 0 && "=+-@".Contains(text[0]) && value is string) text = "'" + text;
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }
}

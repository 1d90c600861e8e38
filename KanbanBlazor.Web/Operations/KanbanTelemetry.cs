using System.Diagnostics.Metrics;

namespace KanbanBlazor.Web.Operations;

/// <summary>
/// What operators watch, as OpenTelemetry metrics on the meter <see cref="MeterName"/>, scraped by
/// Prometheus at <c>/ops/metrics</c> (Program) beside ASP.NET Core's (open circuits, requests) and
/// Npgsql's (connection pool use). Figures are per instance and carry no tenant, board or user.
/// </summary>
public static class KanbanTelemetry
{
    public const string MeterName = "KanbanBlazor";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Board events committed on this instance (and published to its viewers and, through PostgreSQL, to other instances).</summary>
    public static readonly Counter<long> EventsPublished = Meter.CreateCounter<long>("kanban.board.events.published", "{event}",
        "Board events committed on this instance");

    /// <summary>Other instances' board events read from the log and published here (BoardRelay).</summary>
    public static readonly Counter<long> EventsRelayed = Meter.CreateCounter<long>("kanban.board.events.relayed", "{event}",
        "Board events of other instances relayed to this instance's viewers");

    /// <summary>Board changes handed to open board views (one per view and change).</summary>
    public static readonly Counter<long> ChangesDelivered = Meter.CreateCounter<long>("kanban.board.changes.delivered", "{change}",
        "Board changes delivered to open board views");

    /// <summary>From a board write to a view being handed its change (relayed ones included: instances' clocks must agree).</summary>
    public static readonly Histogram<double> DeliveryLag = Meter.CreateHistogram<double>("kanban.board.delivery.lag", "ms",
        "From a board write to its delivery to an open board view");

    /// <summary>A card move, from the request reaching the board writer to its answer (committed or refused).</summary>
    public static readonly Histogram<double> MoveDuration = Meter.CreateHistogram<double>("kanban.board.move.duration", "ms",
        "Card moves, from request to committed or refused");

    /// <summary>Times a listener (board events, access changes) lost its connection and listened again.</summary>
    public static readonly Counter<long> ListenReconnects = Meter.CreateCounter<long>("kanban.listen.reconnects", "{reconnect}",
        "Times a LISTEN connection was lost and listened again");

    private static Func<int>? openViews;

    /// <summary>Open board views on this instance (the hub's subscriptions), read when scraped.</summary>
    public static readonly ObservableGauge<int> OpenViews = Meter.CreateObservableGauge("kanban.board.views.open", () => openViews?.Invoke() ?? 0, "{view}",
        "Open board views on this instance");

    /// <summary>Where <see cref="OpenViews"/> reads from (the instance's hub).</summary>
    public static void CountOpenViews(Func<int> count) => openViews = count;
}

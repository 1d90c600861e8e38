namespace KanbanBlazor.Core.Metrics;

/// <summary>A forecast at the confidences the dashboard shows: what is at least this likely.</summary>
public sealed record ForecastRange(int At50, int At85, int At95);

/// <summary>
/// Monte Carlo forecasts from past throughput: each simulated day finishes as many cards as a day picked
/// at random from the history did. Seeded, so a forecast is the same each time it is asked for with the
/// same history (and a test can check it against a distribution worked out by hand).
/// </summary>
public static class Forecast
{
    /// <summary>The longest a "when" forecast looks ahead: beyond this it says it cannot tell.</summary>
    public const int MaxDays = 3650;

    /// <summary>How many cards will be finished within <paramref name="days"/> days: at each confidence,
    /// the number that many of the simulations reached or passed.</summary>
    public static ForecastRange HowMany(IReadOnlyList<int> dailyThroughput, int days, int simulations = 10_000, int seed = 1)
    {
        if (dailyThroughput.Count == 0 || days <= 0) return new(0, 0, 0);
        var random = new Random(seed);
        var totals = new int[simulations];
        for (var s = 0; s < simulations; s++)
        {
            var total = 0;
            for (var d = 0; d < days; d++) total += dailyThroughput[random.Next(dailyThroughput.Count)];
            totals[s] = total;
        }
        Array.Sort(totals);
        // At confidence c: the total that a fraction c of the simulations reached (the (1 − c) quantile from below).
        int Reached(double confidence) => totals[(int)Math.Floor((1 - confidence) * (simulations - 1))];
        return new(Reached(0.50), Reached(0.85), Reached(0.95));
    }

    /// <summary>In how many days <paramref name="items"/> cards will be finished: at each confidence, the
    /// number of days within which that many of the simulations finished them; null when the history
    /// finishes nothing (or too little to finish within <see cref="MaxDays"/>).</summary>
    public static ForecastRange? When(IReadOnlyList<int> dailyThroughput, int items, int simulations = 10_000, int seed = 1)
    {
        if (items <= 0) return new(0, 0, 0);
        if (dailyThroughput.Count == 0 || dailyThroughput.All(d => d <= 0)) return null;
        var random = new Random(seed);
        var days = new int[simulations];
        for (var s = 0; s < simulations; s++)
        {
            var (done, day) = (0, 0);
            while (done < items && day < MaxDays)
            {
                done += dailyThroughput[random.Next(dailyThroughput.Count)];
                day++;
            }
            if (done < items) return null;
            days[s] = day;
        }
        Array.Sort(days);
        int Within(double confidence) => days[(int)Math.Ceiling(confidence * simulations) - 1];
        return new(Within(0.50), Within(0.85), Within(0.95));
    }
}

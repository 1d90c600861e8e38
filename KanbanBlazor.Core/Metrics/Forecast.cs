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
        var history = dailyThroughput.ToArray();
        var random = new Draws(seed);
        var totals = new int[simulations];
        for (var s = 0; s < simulations; s++)
        {
            var total = 0;
            for (var d = 0; d < days; d++) total += history[random.Next(history.Length)];
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
        var history = dailyThroughput.ToArray();
        var random = new Draws(seed);
        var days = new int[simulations];
        for (var s = 0; s < simulations; s++)
        {
            var (done, day) = (0, 0);
            while (done < items && day < MaxDays)
            {
                done += history[random.Next(history.Length)];
                day++;
            }
            if (done < items) return null;
            days[s] = day;
        }
        Array.Sort(days);
        int Within(double confidence) => days[(int)Math.Ceiling(confidence * simulations) - 1];
        return new(Within(0.50), Within(0.85), Within(0.95));
    }

    /// <summary>Seeded random picks (SplitMix64): the same seed, the same forecast, and several times
    /// faster than a seeded <see cref="Random"/> (millions of picks for a "when" of thousands of cards).</summary>
    private struct Draws(int seed)
    {
        private ulong state = (ulong)seed * 0x9E3779B97F4A7C15UL;

        /// <summary>A number from 0 to <paramref name="count"/> − 1.</summary>
        public int Next(int count)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)Math.BigMul(z, (ulong)count, out _);
        }
    }
}

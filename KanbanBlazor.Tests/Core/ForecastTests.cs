using KanbanBlazor.Core.Metrics;
using Xunit;

namespace KanbanBlazor.Tests.Core;

/// <summary>Monte Carlo forecasts (seeded) checked against distributions worked out by hand.</summary>
public sealed class ForecastTests
{
    [Fact]
    public void How_many_in_two_days_from_days_of_zero_or_two_follows_the_binomial_distribution()
    {
        // Two days, each 0 or 2 with even odds: a total of 0 (1/4), 2 (1/2) or 4 (1/4).
        // At least 2 is 75 % likely, at least 4 is 25 %: so 2 at 50 %, and only 0 is 85 % or 95 % sure.
        Assert.Equal(new ForecastRange(2, 0, 0), Forecast.HowMany([0, 2], days: 2));
    }

    [Fact]
    public void How_many_from_a_steady_history_is_certain()
    {
        Assert.Equal(new ForecastRange(30, 30, 30), Forecast.HowMany([3, 3, 3], days: 10));
    }

    [Fact]
    public void When_one_card_finishes_on_days_of_zero_or_one_follows_the_geometric_distribution()
    {
        // Finished by day d with probability 1 − (1/2)^d: 0.5, 0.75, 0.875, 0.9375, 0.96875.
        // So 85 % sure within 3 days, 95 % within 5, and 50 % within 1 or 2 (0.5 is the edge; 2 is safe).
        var when = Forecast.When([0, 1], items: 1)!;
        Assert.Equal((3, 5), (when.At85, when.At95));
        Assert.InRange(when.At50, 1, 2);
    }

    [Fact]
    public void The_same_history_and_seed_give_the_same_forecast_and_a_history_that_finishes_nothing_gives_none()
    {
        int[] history = [0, 1, 4, 2, 0, 3, 1];
        Assert.Equal(Forecast.When(history, 40), Forecast.When(history, 40));
        Assert.Equal(Forecast.HowMany(history, 30), Forecast.HowMany(history, 30));
        Assert.Null(Forecast.When([0, 0, 0], 5));
        Assert.Null(Forecast.When([], 5));
        Assert.Equal(new ForecastRange(0, 0, 0), Forecast.HowMany([], 30));
    }

    [Fact]
    public void More_confidence_never_promises_more()
    {
        var many = Forecast.HowMany([0, 1, 4, 2, 0, 3, 1], 30);
        Assert.True(many.At50 >= many.At85 && many.At85 >= many.At95);
        var when = Forecast.When([0, 1, 4, 2, 0, 3, 1], 40)!;
        Assert.True(when.At50 <= when.At85 && when.At85 <= when.At95);
    }
}

using KanbanBlazor.Core.Cards;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class CardHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 22, 30, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo SaoPaulo = TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");

    [Fact]
    public void A_next_action_is_overdue_today_later_or_missing_in_the_readers_time_zone()
    {
        Assert.Equal(NextActionState.None, CardHealth.NextAction(null, Now, TimeZoneInfo.Utc));
        Assert.Equal(NextActionState.Overdue, CardHealth.NextAction(Now.AddMinutes(-1), Now, TimeZoneInfo.Utc));
        Assert.Equal(NextActionState.Today, CardHealth.NextAction(Now.AddMinutes(60), Now, TimeZoneInfo.Utc));
        Assert.Equal(NextActionState.Future, CardHealth.NextAction(Now.AddHours(2), Now, TimeZoneInfo.Utc));
        // 00:30 UTC tomorrow is still today in São Paulo (21:30), and 22:30 there is tomorrow in UTC.
        Assert.Equal(NextActionState.Today, CardHealth.NextAction(Now.AddHours(2), Now, SaoPaulo));
        Assert.Equal(NextActionState.Future, CardHealth.NextAction(Now.AddHours(6), Now, SaoPaulo));
    }

    [Fact]
    public void A_card_is_aged_only_past_its_stages_usual_time_and_only_once_enough_cards_have_left_the_stage()
    {
        var usual = new StageUsualTime(TimeSpan.FromDays(3), CardHealth.MinimumStays);
        Assert.Equal(TimeSpan.FromDays(4), CardHealth.AgedFor(Now.AddDays(-4), Now, usual));
        Assert.Null(CardHealth.AgedFor(Now.AddDays(-3), Now, usual));
        Assert.Null(CardHealth.AgedFor(Now.AddDays(-2), Now, usual));
        Assert.Null(CardHealth.AgedFor(Now.AddDays(-40), Now, usual with { Stays = CardHealth.MinimumStays - 1 }));
        Assert.Null(CardHealth.AgedFor(null, Now, usual));
        Assert.Null(CardHealth.AgedFor(Now.AddDays(-40), Now, null));
    }

    [Theory]
    // Hand-computed: rank 0.85 × (n − 1), between the two nearest values.
    [InlineData(new double[] { 10 }, 10)]
    [InlineData(new double[] { 1, 2 }, 1.85)]
    [InlineData(new double[] { 5, 1, 4, 2, 3 }, 4.4)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, 9.5)]
    public void The_85th_percentile_interpolates_between_ranks(double[] values, double expected) =>
        Assert.Equal(expected, CardHealth.Percentile(values, 0.85)!.Value, 9);

    [Fact]
    public void No_values_have_no_percentile() => Assert.Null(CardHealth.Percentile([], 0.85));
}

using KanbanBlazor.Core.Boards;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class BoardFilterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Me = Guid.NewGuid(), Them = Guid.NewGuid();

    private static BoardCard Card(string title, string? company = null, decimal value = 1000, Guid? owner = null, DateTimeOffset? next = null) =>
        new(Guid.NewGuid(), title, company, value, "USD", owner ?? Me, null, "new", "V", 1, next, null);

    [Fact]
    public void No_filter_shows_everything() =>
        Assert.True(BoardFilter.None.IsEmpty && BoardFilter.None.Matches(Card("x", owner: Them), Me, Now));

    [Fact]
    public void Each_criterion_narrows_and_they_combine()
    {
        var mine = Card("Initech: 40 seats", "Initech", 5000, Me, Now.AddDays(-1));
        var theirs = Card("Globex renewal", "Globex", 20000, Them, Now.AddDays(1));

        Assert.Equal([true, false], new[] { mine, theirs }.Select(c => new BoardFilter(Mine: true).Matches(c, Me, Now)));
        Assert.Equal([false, true], new[] { mine, theirs }.Select(c => new BoardFilter(Owner: Them).Matches(c, Me, Now)));
        // Title or company, in any case; surrounding spaces do not count.
        Assert.Equal([true, false], new[] { mine, theirs }.Select(c => new BoardFilter(Text: "  iNiTeCh ").Matches(c, Me, Now)));
        Assert.Equal([false, true], new[] { mine, theirs }.Select(c => new BoardFilter(Text: "GLOBEX").Matches(c, Me, Now)));
        Assert.Equal([true, false], new[] { mine, theirs }.Select(c => new BoardFilter(Overdue: true).Matches(c, Me, Now)));
        Assert.Equal([false, true], new[] { mine, theirs }.Select(c => new BoardFilter(MinValue: 5001).Matches(c, Me, Now)));
        Assert.Equal([true, false], new[] { mine, theirs }.Select(c => new BoardFilter(MaxValue: 5000).Matches(c, Me, Now)));
        Assert.False(new BoardFilter(Mine: true, MinValue: 10000).Matches(mine, Me, Now));
        Assert.False(new BoardFilter(Overdue: true).Matches(Card("no next action"), Me, Now));
    }

    [Fact]
    public void A_filter_goes_into_a_boards_address_and_comes_back_the_same()
    {
        var filter = new BoardFilter(true, Them, "Initech 40%", true, 1000.5m, 25000);
        var query = filter.ToQuery();
        Assert.Equal(filter, BoardFilter.FromQuery(query["mine"], query["owner"], query["q"], query["overdue"], query["min"], query["max"]));
        Assert.All(BoardFilter.None.ToQuery().Values, Assert.Null);
    }

    [Fact]
    public void An_address_with_nonsense_asks_for_nothing_odd() =>
        Assert.True(BoardFilter.FromQuery("yes", "not-a-guid", "   ", "2", "-5", "lots").IsEmpty);
}

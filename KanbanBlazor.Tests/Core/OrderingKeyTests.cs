using FsCheck;
using FsCheck.Fluent;
using KanbanBlazor.Core.Ordering;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class OrderingKeyTests
{
    [Fact]
    public void A_key_between_two_keys_sorts_strictly_between_them()
    {
        Prop.ForAll(ValidKey(), ValidKey(), (x, y) =>
        {
            if (x == y) return true;
            var (low, high) = string.CompareOrdinal(x, y) < 0 ? (x, y) : (y, x);
            var mid = OrderingKey.Between(low, high);
            return OrderingKey.IsValid(mid) && string.CompareOrdinal(low, mid) < 0 && string.CompareOrdinal(mid, high) < 0;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Keys_at_the_ends_of_a_list_sort_before_and_after_every_key()
    {
        Prop.ForAll(ValidKey(), key =>
            string.CompareOrdinal(OrderingKey.Between(null, key), key) < 0 &&
            string.CompareOrdinal(OrderingKey.Between(key, null), key) > 0).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Inserting_at_random_places_keeps_every_list_in_the_order_it_was_built()
    {
        Prop.ForAll(Gen.Choose(0, 1000).ListOf().ToArbitrary(), picks =>
        {
            var list = new List<string>();
            foreach (var pick in picks)
            {
                var index = list.Count == 0 ? 0 : pick % (list.Count + 1);
                list.Insert(index, OrderingKey.Between(index > 0 ? list[index - 1] : null, index < list.Count ? list[index] : null));
            }
            return list.SequenceEqual(list.Order(StringComparer.Ordinal)) && list.Distinct().Count() == list.Count && list.All(OrderingKey.IsValid);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Repeatedly_inserting_at_the_top_grows_keys_slowly()
    {
        string? first = null;
        for (var i = 0; i < 1000; i++) first = OrderingKey.Between(null, first);
        Assert.True(first!.Length <= 200, $"key length {first.Length}");
        Assert.True(OrderingKey.IsValid(first));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(61)]
    [InlineData(62)]
    [InlineData(200)]
    [InlineData(10_000)]
    public void Spread_keys_are_valid_short_and_ascending(int count)
    {
        var keys = OrderingKey.Spread(count);
        Assert.Equal(count, keys.Count);
        Assert.All(keys, k => Assert.True(OrderingKey.IsValid(k), k));
        Assert.Equal(keys, keys.Order(StringComparer.Ordinal));
        Assert.Equal(count, keys.Distinct().Count());
        Assert.All(keys, k => Assert.True(k.Length <= 4, k));
    }

    [Theory]
    [InlineData("b", "a")]
    [InlineData("a", "a")]
    [InlineData("a0", null)]
    [InlineData("", null)]
    [InlineData("a-b", null)]
    public void Out_of_order_or_malformed_keys_are_rejected(string before, string? after)
    {
        Assert.Throws<ArgumentException>(() => OrderingKey.Between(before, after));
    }

    private static Arbitrary<string> ValidKey() =>
        Gen.Elements(OrderingKey.Digits.ToCharArray())
            .ArrayOf()
            .Where(chars => chars.Length is > 0 and < 12 && chars[^1] != '0')
            .Select(chars => new string(chars))
            .ToArbitrary();
}

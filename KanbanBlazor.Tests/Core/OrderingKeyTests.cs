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

    /// <summary>A busy spot: cards taken from anywhere in a stage and dropped, again and again, at the
    /// same place (right after one card that stays put). Without rebalancing the keys there grow a digit
    /// every few moves; with it no key ever passes the bound, the order is always the one the moves made,
    /// and each rebalance re-keys only a window of the stage, not all of it.</summary>
    [Theory]
    [InlineData(50_000, 200)]
    [InlineData(5_000, 3)]
    public void Fifty_thousand_moves_into_one_spot_never_grow_a_key_past_the_bound(int moves, int cards)
    {
        var random = new Random(7);
        var stage = new List<(int Card, string Key)>();
        var initial = OrderingKey.Spread(cards);
        for (var i = 0; i < cards; i++) stage.Add((i, initial[i]));
        var anchor = stage[cards / 2].Card;
        var (longest, rebalances, rekeyedCards) = (0, 0, 0);
        for (var move = 0; move < moves; move++)
        {
            var picked = random.Next(stage.Count);
            var card = stage[picked].Card;
            if (card == anchor) continue;
            stage.RemoveAt(picked);
            var index = stage.FindIndex(c => c.Card == anchor) + 1;
            var placement = OrderingKey.Place(stage.Select(c => c.Key).ToList(), index);
            foreach (var (at, key) in placement.Rekeyed) stage[at] = (stage[at].Card, key);
            stage.Insert(index, (card, placement.Key));
            if (placement.Rebalances) (rebalances, rekeyedCards) = (rebalances + 1, rekeyedCards + placement.Rekeyed.Count);
            longest = Math.Max(longest, stage.Max(c => c.Key.Length));
            var keys = stage.Select(c => c.Key).ToList();
            if (!keys.SequenceEqual(keys.Order(StringComparer.Ordinal)) || keys.Distinct().Count() != keys.Count || !keys.All(OrderingKey.IsValid))
                Assert.Fail($"After move {move} the stage's keys are out of order, shared or malformed: {string.Join(" ", keys)}");
            Assert.Equal(card, stage[index].Card);
        }
        Assert.True(longest <= OrderingKey.MaxLength, $"longest key {longest} characters");
        Assert.True(rebalances > 0, "a busy spot never needed a rebalance: the test no longer exercises it");
        Assert.True(rekeyedCards / rebalances < Math.Max(cards / 2, 4), $"a rebalance re-keyed {rekeyedCards / rebalances} cards on average, of {cards}");
    }

    [Fact]
    public void A_long_key_left_by_older_moves_is_rekeyed_short_at_the_next_move_beside_it()
    {
        // Two neighbours 2,800 digits long (such a key once failed the btree index) with no short key between.
        string[] stage = ["F", "V" + new string('1', 2_800), "V" + new string('1', 2_799) + "2", "k"];
        var placement = OrderingKey.Place(stage, 2);
        Assert.True(placement.Rebalances);
        Assert.True(placement.Key.Length <= OrderingKey.RebalancedLength, placement.Key);
        var rekeyed = placement.Rekeyed.ToDictionary(r => r.Index, r => r.Key);
        var keys = stage.Select((k, i) => rekeyed.GetValueOrDefault(i, k)).ToList();
        keys.Insert(2, placement.Key);
        Assert.Equal(keys, keys.Order(StringComparer.Ordinal));
        Assert.All(keys, k => Assert.True(k.Length <= OrderingKey.MaxLength, k));
    }

    [Fact]
    public void Keys_spread_between_two_bounds_lie_strictly_between_them()
    {
        Prop.ForAll(ValidKey(), ValidKey(), Gen.Choose(1, 300).ToArbitrary(), (x, y, count) =>
        {
            if (x == y) return true;
            var (low, high) = string.CompareOrdinal(x, y) < 0 ? (x, y) : (y, x);
            var keys = OrderingKey.SpreadBetween(low, high, count, 64)!;
            return keys.Count == count && keys.All(OrderingKey.IsValid)
                && keys.SequenceEqual(keys.Order(StringComparer.Ordinal)) && keys.Distinct().Count() == count
                && string.CompareOrdinal(low, keys[0]) < 0 && string.CompareOrdinal(keys[^1], high) < 0;
        }).QuickCheckThrowOnFailure();
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

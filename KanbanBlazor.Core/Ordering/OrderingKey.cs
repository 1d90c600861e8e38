using System.Numerics;

namespace KanbanBlazor.Core.Ordering;

/// <summary>Where a card goes among a stage's other cards: its new key, and the neighbours given new
/// keys to make room (by their index in the list the placement was asked about), when the spot had run
/// out of short keys.</summary>
public sealed record Placement(string Key, IReadOnlyList<(int Index, string Key)> Rekeyed)
{
    public bool Rebalances => Rekeyed.Count > 0;
}

/// <summary>
/// Fractional ordering keys: strings over base-62 digits, compared ordinally (in PostgreSQL the
/// column uses COLLATE "C"). A key can always be made between any two keys, so moving a card
/// rewrites the moved card's key only, never its neighbours'.
/// </summary>
/// <remarks>
/// Keys are digit strings read as a fraction after the point ("V" is 0.5 of the range). A valid key
/// is non-empty and never ends in the zero digit: that keeps a key below every key possible.
/// </remarks>
public static class OrderingKey
{
    public const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private const char Zero = '0';

    /// <summary>No key is longer than this: a move that would need a longer one re-keys the cards
    /// around its spot first (<see cref="Place"/>). Moves into one spot grow a key by about one digit
    /// every five or six moves, so a busy spot is rebalanced every few dozen moves, a few cards at a time.</summary>
    public const int MaxLength = 16;

    /// <summary>A rebalance gives the cards around a spot keys no longer than this, leaving room to grow.</summary>
    public const int RebalancedLength = 8;

    /// <summary>A key strictly between <paramref name="before"/> and <paramref name="after"/>;
    /// null stands for the start or the end of the list.</summary>
    public static string Between(string? before, string? after)
    {
        if (before is not null) Validate(before, nameof(before));
        if (after is not null) Validate(after, nameof(after));
        if (before is not null && after is not null && string.CompareOrdinal(before, after) >= 0)
            throw new ArgumentException($"Ordering key '{before}' must sort before '{after}'.");

        return Midpoint(before ?? string.Empty, after);
    }

    /// <summary>The key for an item put at <paramref name="index"/> among <paramref name="others"/>
    /// (the list's keys in order, without the item itself).</summary>
    public static string At(IReadOnlyList<string> others, int index)
    {
        index = Math.Clamp(index, 0, others.Count);
        var before = index > 0 ? others[index - 1] : null;
        var after = index < others.Count ? others[index] : null;
        if (before is not null && after is not null && string.CompareOrdinal(before, after) >= 0)
            after = null; // duplicate keys (never written by us): place after the earlier one
        return Between(before, after);
    }

    /// <summary>
    /// The key for an item put at <paramref name="index"/> among <paramref name="others"/> (the list's
    /// keys in order, without the item itself), never longer than <see cref="MaxLength"/>: when the
    /// spot has no short key left, the smallest window of neighbours around it (growing by doubling,
    /// up to the whole list) is given evenly spread keys of at most <see cref="RebalancedLength"/>
    /// digits, between the keys just outside the window, so nothing outside it changes.
    /// </summary>
    public static Placement Place(IReadOnlyList<string> others, int index)
    {
        index = Math.Clamp(index, 0, others.Count);
        var key = At(others, index);
        if (key.Length <= MaxLength) return new Placement(key, []);
        for (var radius = 2; ; radius *= 2)
        {
            var start = Math.Max(0, index - radius);
            var end = Math.Min(others.Count, index + radius);
            var whole = start == 0 && end == others.Count;
            var before = start > 0 ? others[start - 1] : null;
            var after = end < others.Count ? others[end] : null;
            if (before is not null && after is not null && string.CompareOrdinal(before, after) >= 0) continue; // duplicates (never written by us)
            // The window's cards and the placed one between them: end - start + 1 keys.
            var keys = SpreadBetween(before, after, end - start + 1, whole ? int.MaxValue : RebalancedLength);
            if (keys is null) continue;
            var rekeyed = new List<(int, string)>(end - start);
            for (var i = start; i < end; i++) rekeyed.Add((i, keys[i < index ? i - start : i - start + 1]));
            return new Placement(keys[index - start], rekeyed);
        }
    }

    /// <summary>
    /// <paramref name="count"/> evenly spread keys strictly between <paramref name="before"/> and
    /// <paramref name="after"/> (null: the start or the end), as short as the room between them allows;
    /// null when that would take more than <paramref name="maxLength"/> digits.
    /// </summary>
    public static IReadOnlyList<string>? SpreadBetween(string? before, string? after, int count, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (before is not null) Validate(before, nameof(before));
        if (after is not null) Validate(after, nameof(after));
        if (before is not null && after is not null && string.CompareOrdinal(before, after) >= 0)
            throw new ArgumentException($"Ordering key '{before}' must sort before '{after}'.");
        for (var width = 1; width <= maxLength; width++)
        {
            // At this width a key is an integer k in (low, high): k / 62^width lies strictly between the bounds.
            var low = before is null ? BigInteger.Zero : Truncated(before, width);
            var high = after is null ? BigInteger.Pow(Digits.Length, width) : Truncated(after, width) + (after.Length > width ? 1 : 0);
            var room = high - low;
            if (room - 1 < count) continue;
            var keys = new List<string>(count);
            for (var i = 1; i <= count; i++) keys.Add(ToKey(low + room * i / (count + 1), width));
            return keys;
        }
        return null;
    }

    /// <summary><paramref name="count"/> evenly spread keys in ascending order, for seeding or rebalancing a stage.</summary>
    public static IReadOnlyList<string> Spread(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var keys = new List<string>(count);
        string? previous = null;
        // Build keys left to right with room after each one; short and strictly ascending.
        var width = 1;
        for (var capacity = Digits.Length - 1; capacity < count + 1; capacity *= Digits.Length) width++;
        var step = Math.Pow(Digits.Length, width) / (count + 1);
        for (var i = 1; i <= count; i++)
        {
            var key = ToKey((long)Math.Floor(step * i), width);
            if (previous is not null && string.CompareOrdinal(key, previous) <= 0) key = Between(previous, null);
            keys.Add(key);
            previous = key;
        }
        return keys;
    }

    public static bool IsValid(string? key) =>
        !string.IsNullOrEmpty(key) && key[^1] != Zero && key.All(c => Digits.Contains(c));

    private static string ToKey(long value, int width)
    {
        var chars = new char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            chars[i] = Digits[(int)(value % Digits.Length)];
            value /= Digits.Length;
        }
        return new string(chars).TrimEnd(Zero) is { Length: > 0 } trimmed ? trimmed : Digits[1].ToString();
    }

    // The key's first <paramref name="width"/> digits as an integer (missing digits are zeros).
    private static BigInteger Truncated(string key, int width)
    {
        var value = BigInteger.Zero;
        for (var i = 0; i < width; i++) value = value * Digits.Length + (i < key.Length ? Digits.IndexOf(key[i]) : 0);
        return value;
    }

    private static string ToKey(BigInteger value, int width)
    {
        var chars = new char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            chars[i] = Digits[(int)(value % Digits.Length)];
            value /= Digits.Length;
        }
        return new string(chars).TrimEnd(Zero);
    }

    private static void Validate(string key, string name)
    {
        if (!IsValid(key)) throw new ArgumentException($"'{key}' is not a valid ordering key.", name);
    }

    // a < b (b null = end of list); a may be "" (start of list). Returns a key strictly between.
    private static string Midpoint(string a, string? b)
    {
        if (b is not null)
        {
            var n = 0;
            while (n < b.Length && DigitAt(a, n) == b[n]) n++;
            if (n > 0) return b[..n] + Midpoint(n < a.Length ? a[n..] : string.Empty, b[n..]);
        }

        var low = a.Length > 0 ? Digits.IndexOf(a[0]) : 0;
        var high = b is not null ? Digits.IndexOf(b[0]) : Digits.Length;
        if (high - low > 1) return Digits[(low + high) / 2].ToString();

        // Adjacent first digits: b's first digit alone sorts between when b continues after it.
        if (b is not null && b.Length > 1) return b[..1];
        return Digits[low] + Midpoint(a.Length > 0 ? a[1..] : string.Empty, null);
    }

    private static char DigitAt(string key, int index) => index < key.Length ? key[index] : Zero;
}

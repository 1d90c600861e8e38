namespace KanbanBlazor.Core.Ordering;

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

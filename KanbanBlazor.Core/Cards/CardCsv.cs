using System.Globalization;
using System.Text;

namespace KanbanBlazor.Core.Cards;

/// <summary>A card as one CSV row: its stage, its fields, and its owner's and assignee's names.</summary>
public sealed record CsvCard(string Stage, CardDraft Fields, string? OwnerName, string? AssigneeName);

/// <summary>A row that cannot be imported: its line in the file, and each problem.</summary>
public sealed record CsvRowError(int Line, string Field, string Code, string Message, int? Min = null, long? Max = null);

/// <summary>
/// Cards to and from CSV (RFC 4180: commas, double quotes, line breaks inside quotes), with one header
/// row naming the columns the API names fields by. Reading checks every row and reports each problem
/// with its line; writing guards spreadsheet formulas (a cell starting with =, +, -, @ gets a leading ').
/// </summary>
public static class CardCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "stage", CardFields.Title, CardFields.Company, CardFields.Email, CardFields.Phone, CardFields.Source, CardFields.Score, CardFields.Value,
        CardFields.Currency, CardFields.ExpectedCloseOn, CardFields.Probability, CardFields.Description, CardFields.DueOn, "assignee",
        CardFields.Plan, CardFields.Health, "owner", CardFields.NextActionAt, CardFields.NextActionDetails,
    ];

    public const int MaxRows = 5000;

    public static string Write(IEnumerable<CsvCard> cards)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', Columns).Append("\r\n");
        foreach (var card in cards)
        {
            var f = card.Fields;
            string?[] cells =
            [
                card.Stage, f.Title, f.Company, f.Email, f.Phone, f.Source, Number(f.Score), f.Value.ToString("0.00", CultureInfo.InvariantCulture), f.Currency,
                Day(f.ExpectedCloseOn), Number(f.Probability), f.Description, Day(f.DueOn), card.AssigneeName, f.Plan, f.Health?.ToString(), card.OwnerName,
                f.NextActionAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), f.NextActionDetails,
            ];
            csv.AppendJoin(',', cells.Select(Cell)).Append("\r\n");
        }
        return csv.ToString();
    }

    /// <summary>The rows of a CSV file as cards, or every problem found (then no card at all).</summary>
    public static (IReadOnlyList<(int Line, CsvCard Card)> Cards, IReadOnlyList<CsvRowError> Errors) Read(string text)
    {
        var rows = Parse(text, out var malformed);
        var errors = new List<CsvRowError>();
        if (malformed is { } where) return ([], [new CsvRowError(where, "", "malformed", "A quoted cell is not closed.")]);
        if (rows.Count == 0) return ([], [new CsvRowError(1, "", "empty", "The file is empty: it needs a header row and at least one card.")]);
        var header = rows[0].Cells.Select(h => h.Trim()).ToList();
        var unknown = header.Where(h => !Columns.Contains(h, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
            return ([], [new CsvRowError(1, unknown[0], "unknown_column", $"Unknown column '{unknown[0]}'; the columns are {string.Join(", ", Columns)}.")]);
        if (!header.Contains("stage") || !header.Contains(CardFields.Title))
            return ([], [new CsvRowError(1, "", "missing_column", "The header needs at least the columns stage and title.")]);
        var data = rows.Skip(1).Where(r => r.Cells.Any(c => c.Length > 0)).ToList();
        if (data.Count == 0) return ([], [new CsvRowError(2, "", "empty", "The file has a header but no cards.")]);
        if (data.Count > MaxRows) return ([], [new CsvRowError(MaxRows + 2, "", "too_many", $"At most {MaxRows} cards per file.")]);

        var cards = new List<(int, CsvCard)>();
        foreach (var (line, cells) in data)
        {
            string? Get(string column)
            {
                var index = header.IndexOf(column);
                if (index < 0 || index >= cells.Count || cells[index].Trim() is not { Length: > 0 } value) return null;
                // A formula-looking cell this app wrote as text ('+1 555…) is read back as it was.
                return value.Length > 1 && value[0] == '\'' && value[1] is '=' or '+' or '-' or '@' ? value[1..] : value;
            }
            T? Parsed<T>(string column, Func<string, (bool, T)> parse) where T : struct
            {
                if (Get(column) is not { } raw) return null;
                var (ok, value) = parse(raw);
                if (ok) return value;
                errors.Add(new CsvRowError(line, column, "format", $"'{raw}' is not a valid {column}."));
                return null;
            }
            var health = Get(CardFields.Health) is { } h
                ? Enum.TryParse<CustomerHealth>(h, ignoreCase: true, out var parsedHealth) && Enum.IsDefined(parsedHealth) ? parsedHealth : Bad<CustomerHealth>(line, CardFields.Health, h)
                : null;
            var draft = new CardDraft
            {
                Title = Get(CardFields.Title) ?? "",
                Company = Get(CardFields.Company), Email = Get(CardFields.Email), Phone = Get(CardFields.Phone), Source = Get(CardFields.Source),
                Score = Parsed(CardFields.Score, s => (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n), n)),
                Value = Parsed(CardFields.Value, s => (decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var n), n)) ?? 0,
                Currency = Get(CardFields.Currency) ?? "USD",
                ExpectedCloseOn = Parsed(CardFields.ExpectedCloseOn, s => (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d), d)),
                Probability = Parsed(CardFields.Probability, s => (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n), n)),
                Description = Get(CardFields.Description),
                DueOn = Parsed(CardFields.DueOn, s => (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d), d)),
                Plan = Get(CardFields.Plan),
                Health = health,
                NextActionAt = Parsed(CardFields.NextActionAt, s => (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at), at)),
                NextActionDetails = Get(CardFields.NextActionDetails),
            };
            cards.Add((line, new CsvCard(Get("stage") ?? "", draft, Get("owner"), Get("assignee"))));
        }
        // Problems in the file's order: by line, then by column.
        return errors.Count > 0 ? ([], errors.OrderBy(e => e.Line).ThenBy(e => header.IndexOf(e.Field)).ToList()) : (cards, []);

        CustomerHealth? Bad<T>(int line, string column, string raw)
        {
            errors.Add(new CsvRowError(line, column, "format", $"'{raw}' is not a valid {column} (Good, Fair or Poor)."));
            return null;
        }
    }

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        // A cell a spreadsheet would run as a formula is written as text.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    /// <summary>The file's rows with the line each starts on; <paramref name="malformed"/>: the line of an unclosed quote.</summary>
    private static List<(int Line, List<string> Cells)> Parse(string text, out int? malformed)
    {
        var rows = new List<(int, List<string>)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var (line, rowLine, quoted, afterQuote) = (1, 1, false, false);
        malformed = null;
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') { quoted = false; afterQuote = true; }
                else { if (c == '\n') line++; cell.Append(c); }
                continue;
            }
            switch (c)
            {
                case '"' when cell.Length == 0 && !afterQuote:
                    quoted = true;
                    break;
                case ',':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    afterQuote = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    cells.Add(cell.ToString());
                    rows.Add((rowLine, cells));
                    (cells, afterQuote) = ([], false);
                    cell.Clear();
                    rowLine = ++line;
                    break;
                default:
                    cell.Append(c);
                    break;
            }
        }
        if (quoted) malformed = rowLine;
        if (cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString());
            rows.Add((rowLine, cells));
        }
        return rows;
    }
}

using KanbanBlazor.Core.Cards;
using Xunit;

namespace KanbanBlazor.Tests.Core;

public sealed class CardCsvTests
{
    [Fact]
    public void Cards_written_to_csv_read_back_the_same_with_quotes_commas_line_breaks_and_formulas_kept_as_text()
    {
        CsvCard[] cards =
        [
            new("new", new CardDraft
            {
                Title = "Initech, \"40 seats\"", Company = "=HYPERLINK(\"http://evil\")", Email = "peter@initech.example", Phone = "+1 555 0100", Score = 70,
                Value = 1234.5m, Currency = "EUR", NextActionAt = new DateTimeOffset(2026, 12, 1, 14, 0, 0, TimeSpan.Zero), NextActionDetails = "Call\nback",
            }, "Riley Acme", null),
            new("done", new CardDraft { Title = "Ship", DueOn = new DateOnly(2026, 12, 24), Health = CustomerHealth.Fair, Description = "-2 days" }, null, "Morgan Acme"),
        ];

        var csv = CardCsv.Write(cards);
        var (read, errors) = CardCsv.Read(csv);

        Assert.Empty(errors);
        Assert.Contains("'=HYPERLINK", csv); // a spreadsheet shows it, never runs it
        Assert.Equal(cards, read.Select(r => r.Card));
        Assert.Equal([2, 4], read.Select(r => r.Line)); // the first card's next action spans two lines
    }

    [Fact]
    public void Every_bad_row_is_reported_with_its_line_and_then_no_card_is_read()
    {
        var csv = "stage,title,score,dueOn,health\r\nnew,Fine,10,,\r\nnew,Bad score,ten,,\r\n\r\ntodo,Bad date,,24/12/2026,Okay\r\n";

        var (cards, errors) = CardCsv.Read(csv);

        Assert.Empty(cards);
        Assert.Equal([(3, "score"), (5, "dueOn"), (5, "health")], errors.Select(e => (e.Line, e.Field)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("stage,title\r\n", "empty")]
    [InlineData("stage,title,colour\r\nnew,x,red\r\n", "unknown_column")]
    [InlineData("title\r\nx\r\n", "missing_column")]
    [InlineData("stage,title\r\nnew,\"never closed\r\n", "malformed")]
    public void A_file_that_is_not_a_card_list_says_why(string csv, string code) =>
        Assert.Equal(code, Assert.Single(CardCsv.Read(csv).Errors).Code);
}

using System.Xml.Linq;
using Xunit;

namespace KanbanBlazor.Tests.Components;

public sealed class ResourceTests
{
    private static Dictionary<string, string> Read(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "KanbanBlazor.Web", "Resources", file);
        return XDocument.Load(path).Root!.Elements("data").ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")!.Value);
    }

    [Fact]
    public void Every_ui_string_exists_in_english_and_brazilian_portuguese_with_the_same_placeholders()
    {
        var english = Read("Strings.resx");
        var portuguese = Read("Strings.pt-BR.resx");
        Assert.Empty(english.Keys.Except(portuguese.Keys));
        Assert.Empty(portuguese.Keys.Except(english.Keys));
        foreach (var (key, value) in english)
        {
            var placeholders = System.Text.RegularExpressions.Regex.Matches(value, @"\{\d\}").Select(m => m.Value).Order();
            var translated = System.Text.RegularExpressions.Regex.Matches(portuguese[key], @"\{\d\}").Select(m => m.Value).Order();
            Assert.True(placeholders.SequenceEqual(translated), $"{key}: '{value}' and '{portuguese[key]}' use different placeholders");
            Assert.False(string.IsNullOrWhiteSpace(portuguese[key]), $"{key} has no Portuguese text");
        }
    }

    [Fact]
    public void Every_key_the_ui_asks_for_exists()
    {
        var keys = Read("Strings.resx").Keys.ToHashSet();
        var web = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "KanbanBlazor.Web");
        var asked = Directory.EnumerateFiles(web, "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".razor") || f.EndsWith(".cs")) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), @"\b(?:L|Text)\[""([A-Za-z.]+)""").Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.NotEmpty(asked);
        Assert.Empty(asked.Except(keys));
    }
}

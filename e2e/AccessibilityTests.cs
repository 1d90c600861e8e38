using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;

namespace KanbanBlazor.E2E;

/// <summary>axe-core on the screens people use every day: no serious or critical violations.</summary>
[Collection(AppCollection.Name)]
public sealed class AccessibilityTests(AppFixture app)
{
    [Fact]
    public async Task The_lead_board_has_no_serious_accessibility_violations()
    {
        var page = await app.OpenBoardAsync("rep@acme.demo");
        AssertNoSeriousViolations(await page.RunAxe());
    }

    [Fact]
    public async Task The_sign_in_page_has_no_serious_accessibility_violations()
    {
        var page = await app.NewAnonymousPageAsync();
        await page.GotoAsync("/account/login");
        AssertNoSeriousViolations(await page.RunAxe());
    }

    internal static void AssertNoSeriousViolations(AxeResult result)
    {
        var serious = result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html}"))}")
            .ToList();
        Assert.True(serious.Count == 0, string.Join(Environment.NewLine, serious));
    }
}

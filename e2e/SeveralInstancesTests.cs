using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>
/// Two app instances on one database, as behind a load balancer with session affinity: colleagues on
/// different instances see each other's moves live (relayed by PostgreSQL), the sign-in made on one
/// is honoured by the other (the shared key ring), and another tenant on either instance hears nothing.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SeveralInstancesTests(AppFixture app)
{
    [Fact]
    public async Task Colleagues_on_two_instances_see_each_others_moves_and_another_tenant_on_either_sees_nothing()
    {
        var second = await app.SecondInstanceAsync();
        var onOne = await app.OpenBoardAsync("admin@acme.demo");
        var onTwo = await app.OpenBoardAsync("manager@acme.demo", baseUrl: second);
        var globexOnOne = await app.OpenBoardAsync("admin@globex.demo");
        var globexOnTwo = await app.OpenBoardAsync("manager@globex.demo", baseUrl: second);
        Assert.StartsWith(second, onTwo.Url);
        await SeeEachOthersMovesAsync(onOne, onTwo, globexOnOne, globexOnTwo, sql => app.ScalarAsync<long>(sql));
    }

    /// <summary>Acme's users on instances one and two see each other's drags and each other among those on
    /// the board; globex's, on both instances too, see their own colleague's drag (the sentinel) and
    /// nothing of acme. Used with two app processes here, and through the load balancer of the local cluster.</summary>
    internal static async Task SeeEachOthersMovesAsync(IPage onOne, IPage onTwo, IPage globexOnOne, IPage globexOnTwo, Func<string, Task<long>> scalar)
    {
        // A drag on instance one reaches the colleague on instance two.
        var card = onOne.Stage("New").Cards().First;
        var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        await onOne.DragToTopAsync(card, onOne.Stage("Contacted"));
        await Expect(onTwo.Stage("Contacted").Cards().First).ToHaveAttributeAsync("data-id", cardId);
        await Expect(onTwo.Stage("New").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(0);

        // And the other way.
        var back = onTwo.Stage("Qualified").Cards().First;
        var backId = await back.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        await onTwo.DragToTopAsync(back, onTwo.Stage("Proposal"));
        await Expect(onOne.Stage("Proposal").Cards().First).ToHaveAttributeAsync("data-id", backId);
        await Expect(onOne.Stage("Qualified").Locator($"[data-id='{backId}']")).ToHaveCountAsync(0);

        // A sentinel for globex: its own move, made on instance one, reaches its board on instance two;
        // by then acme's two moves would have too, had they leaked. Its board is where globex's log ends.
        var theirs = globexOnOne.Stage("New").Cards().First;
        var theirsId = await theirs.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
        await globexOnOne.DragToTopAsync(theirs, globexOnOne.Stage("Contacted"));
        await Expect(globexOnTwo.Stage("Contacted").Cards().First).ToHaveAttributeAsync("data-id", theirsId);
        Assert.Equal(await scalar("""
            SELECT k.sequence FROM kanban_configs k JOIN tenants t ON t.id = k.tenant_id WHERE t.slug = 'globex' AND k.entity_type = 'lead'
            """), await globexOnTwo.SequenceAsync());
        foreach (var acme in new[] { cardId, backId })
        {
            Assert.Equal(0, await globexOnTwo.CardById(acme).CountAsync());
            Assert.Equal(0, await globexOnOne.CardById(acme).CountAsync());
        }

        // Who else is on the board, across instances (PresenceRelay): each acme user sees the other; globex,
        // once it sees its own colleague on the other instance, sees no one from acme.
        await Expect(onOne.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("Morgan Acme"));
        await Expect(onTwo.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("Avery Acme"));
        await Expect(globexOnOne.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("Morgan Globex"));
        Assert.DoesNotContain("Acme", await globexOnOne.GetByTestId("presence").GetAttributeAsync("aria-label") ?? "");
        Assert.DoesNotContain("Acme", await globexOnTwo.GetByTestId("presence").GetAttributeAsync("aria-label") ?? "");
    }
}

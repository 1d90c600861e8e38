using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace KanbanBlazor.E2E;

/// <summary>WIP limits on the board: the header counts against them, a full stage refuses a drop with
/// the reason, a Manager may override it by saying why, and reaching a soft limit tells everyone.</summary>
[Collection(AppCollection.Name)]
public sealed class WipLimitTests(AppFixture app)
{
    [Fact]
    public async Task A_manager_dropping_on_a_full_stage_is_told_why_and_may_override_it_with_a_reason()
    {
        var limit = await SetLimitToCurrentCountAsync("globex", "proposal", hard: true);
        try
        {
            var manager = await app.OpenBoardAsync("manager@globex.demo");
            var header = manager.Locator("section[data-stage='proposal'] .kb-column__count");
            await Expect(header).ToHaveTextAsync($"{limit} / {limit}");
            await Expect(header).ToHaveAttributeAsync("data-wip", "hard");

            var card = manager.Stage("Qualified").Cards().First;
            var cardId = await card.GetAttributeAsync("data-id") ?? throw new InvalidOperationException("card without id");
            await manager.DragToTopAsync(card, manager.Stage("Proposal"));

            // Refused, with the reason, and back where it was; the override dialog asks why.
            await Expect(manager.GetByRole(AriaRole.Alert).Filter(new() { HasText = $"Proposal is full: it already holds its limit of {limit} cards." })).ToBeVisibleAsync();
            var dialog = manager.GetByRole(AriaRole.Dialog, new() { Name = "Proposal is full" });
            await Expect(dialog).ToBeVisibleAsync();
            await Expect(manager.Stage("Qualified").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
            AccessibilityTests.AssertNoSeriousViolations(await dialog.RunAxe());

            // No reason, no override.
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Move past the limit" }).ClickAsync();
            await Expect(dialog.GetByText("Say why, in a few words.").First).ToBeVisibleAsync();
            await dialog.GetByLabel("Reason").FillAsync("Customer asked for an urgent proposal");
            var refusedAt = await manager.SequenceAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Move past the limit" }).ClickAsync();
            await manager.ExpectSavedAfterAsync(refusedAt);

            await Expect(manager.Stage("Proposal").Locator($"[data-id='{cardId}']")).ToHaveCountAsync(1);
            await Expect(header).ToHaveTextAsync($"{limit + 1} / {limit}");
            // The override is in the log, with its reason.
            Assert.Equal(1L, await app.ScalarAsync<long>("""
                SELECT count(*) FROM kanban_moves WHERE entity_id = @card AND reason = 'Customer asked for an urgent proposal'
                  AND (metadata->>'wip_override')::boolean
                """, ("card", Guid.Parse(cardId))));
        }
        finally
        {
            await ClearLimitsAsync("globex", "proposal");
        }
    }

    [Fact]
    public async Task Reaching_a_soft_limit_warns_everyone_viewing_the_board()
    {
        var limit = await SetLimitToCurrentCountAsync("acme", "negotiation", hard: false, plus: 1);
        try
        {
            var mover = await app.OpenBoardAsync("admin@acme.demo");
            var colleague = await app.OpenBoardAsync("viewer@acme.demo");
            await Expect(colleague.GetByTestId("wip-warning")).ToHaveCountAsync(0);

            var card = mover.Stage("Proposal").Cards().First;
            var sequence = await mover.SequenceAsync();
            await mover.DragToTopAsync(card, mover.Stage("Negotiation"));
            await mover.ExpectSavedAfterAsync(sequence);

            var warning = $"Negotiation is at its WIP limit: {limit} cards for a limit of {limit}.";
            await Expect(colleague.GetByTestId("wip-warning")).ToHaveTextAsync(warning);
            await Expect(mover.GetByTestId("wip-warning")).ToHaveTextAsync(warning);
            await Expect(colleague.Locator("section[data-stage='negotiation'] .kb-column__count")).ToHaveAttributeAsync("data-wip", "soft");
        }
        finally
        {
            await ClearLimitsAsync("acme", "negotiation", soft: 25);
        }
    }

    /// <returns>the limit set: the stage's card count now (plus <paramref name="plus"/>)</returns>
    private async Task<int> SetLimitToCurrentCountAsync(string tenant, string stage, bool hard, int plus = 0)
    {
        await app.ExecuteSqlAsync($"""
            UPDATE kanban_stages s SET {(hard ? "wip_hard_limit" : "wip_soft_limit")} =
                (SELECT count(*) FROM cards c WHERE c.tenant_id = s.tenant_id AND c.entity_type = 'lead' AND c.stage = s.key) + @plus
            FROM tenants t WHERE t.id = s.tenant_id AND t.slug = @tenant AND s.key = @stage
            """, ("tenant", tenant), ("stage", stage), ("plus", plus));
        return await app.ScalarAsync<int>($"""
            SELECT {(hard ? "wip_hard_limit" : "wip_soft_limit")} FROM kanban_stages s JOIN tenants t ON t.id = s.tenant_id
            WHERE t.slug = @tenant AND s.key = @stage
            """, ("tenant", tenant), ("stage", stage));
    }

    private Task ClearLimitsAsync(string tenant, string stage, int? soft = 25) => app.ExecuteSqlAsync("""
        UPDATE kanban_stages s SET wip_hard_limit = NULL, wip_soft_limit = @soft
        FROM tenants t WHERE t.id = s.tenant_id AND t.slug = @tenant AND s.key = @stage
        """, ("tenant", tenant), ("stage", stage), ("soft", (object?)soft ?? DBNull.Value));
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The data generator behind the scale benchmarks: what it writes is a board like any other,
/// of its tenant only, that the verifier, the event log and the board's readers accept.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class BoardGeneratorTests(TestDatabase database)
{
    [Fact]
    public async Task Ten_thousand_generated_cards_join_the_stage_after_its_cards_with_a_history_the_verifier_accepts()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 3);
        var other = await database.CreateTenantAsync(cardsPerStage: 3);
        var load = new LoadBoard(database.KanbanFactory());
        var before = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default);

        var events = await new BoardGenerator(database.KanbanFactory(), TimeProvider.System).AddCardsAsync(tenant.Id, "lead", "qualified", 10_000, seed: 1, default);
        await new BoardGenerator(database.KanbanFactory(), TimeProvider.System).AddCardsAsync(tenant.Id, "lead", null, 700, seed: 2, default);

        var after = await load.ExecuteAsync(tenant.As(TenantRole.Viewer), "lead", default);
        var qualified = after!.CardsIn("qualified");
        Assert.Equal(3 + 10_000 + 100, qualified.Count);
        // The stage's own cards keep their place at the top; the generated ones follow.
        Assert.Equal(before!.CardsIn("qualified").Select(c => c.Id), qualified.Take(3).Select(c => c.Id));
        Assert.Equal(20_000, events); // an entry into "new" and a move into "qualified" for each card
        Assert.All(after.Stages, s => Assert.True(after.CardsIn(s.Key).Count >= 100, $"{s.Key} has {after.CardsIn(s.Key).Count}"));
        var members = (await TenantMembersAsync(tenant.Id)).ToHashSet();
        Assert.All(qualified.Skip(3).Take(500), c => Assert.Contains(c.OwnerId!.Value, members));

        var report = await new VerifyBoard(database.KanbanFactory()).ExecuteAsync(tenant.Id, "lead", default);
        Assert.True(report!.IsConsistent, string.Join("; ", report.Drift.Take(5).Select(d => d.Detail)));
        Assert.Equal(after.Sequence, report.Sequence);
        // Nothing reached the other tenant.
        var untouched = await load.ExecuteAsync(other.As(TenantRole.Viewer), "lead", default);
        Assert.Equal(0, untouched!.Sequence);
        Assert.Equal(before.Current.CardCount, untouched.Current.CardCount);
    }

    private async Task<List<Guid>> TenantMembersAsync(Guid tenantId)
    {
        await using var db = await database.KanbanFactory().CreateForTenantAsync(tenantId, default);
        return await db.Members.Select(m => m.UserId).ToListAsync();
    }
}

using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Features.Board;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Collapsed stages kept per user and board in the database, for every device they use.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class BoardPreferencesTests(TestDatabase database)
{
    [Fact]
    public async Task Each_user_keeps_their_own_collapsed_stages_per_board_and_tenant_and_the_last_choice_wins()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 0);
        var other = await database.CreateTenantAsync(cardsPerStage: 0);
        var preferences = new BoardPreferences(database.KanbanFactory(), TimeProvider.System);
        var rep = tenant.As(TenantRole.SalesRep);

        Assert.Null(await preferences.CollapsedAsync(rep, "lead", default));
        await preferences.RememberAsync(rep, "lead", ["won", "lost"], default);
        await preferences.RememberAsync(rep, "task", ["done"], default);
        await preferences.RememberAsync(tenant.As(TenantRole.Manager), "lead", ["new"], default);

        Assert.Equal(["lost", "won"], (await preferences.CollapsedAsync(rep, "lead", default))!.Order());
        Assert.Equal(["done"], await preferences.CollapsedAsync(rep, "task", default));
        Assert.Equal(["new"], await preferences.CollapsedAsync(tenant.As(TenantRole.Manager), "lead", default));
        // The same person id in another tenant's context finds nothing of this tenant's.
        Assert.Null(await preferences.CollapsedAsync(rep with { TenantId = other.Id }, "lead", default));

        // Expanding everything is a choice too: remembered as none.
        await preferences.RememberAsync(rep, "lead", [], default);
        Assert.Empty((await preferences.CollapsedAsync(rep, "lead", default))!);
    }
}

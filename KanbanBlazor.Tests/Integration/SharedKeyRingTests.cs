using System.Net;
using KanbanBlazor.Core.Access;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// The key ring that protects sign-ins lives in PostgreSQL: a token issued by one instance is honoured by
/// another, and it is the database's keys that do it (with them gone, a new instance refuses the token,
/// which a key ring kept on the machine's disk would still have honoured).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SharedKeyRingTests(TestDatabase database)
{
    [Fact]
    public async Task A_sign_in_on_one_instance_is_honoured_by_another_through_the_keys_in_the_database()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        await using var one = TestApp.Create(database.AppConnectionString);
        var caller = await ApiTests.CallerAsync(one, tenant, TenantRole.Manager);
        Assert.True(await database.ScalarAsync<long>(database.OwnerConnectionString, "SELECT count(*) FROM data_protection_keys") >= 1);

        await using var two = TestApp.Create(database.AppConnectionString);
        var onTwo = new ApiTests.Caller(two.CreateClient(), caller.Token, tenant.Slug);
        Assert.Equal(HttpStatusCode.OK, (await onTwo.GetAsync("/api/v1/kanban/moves/lead")).StatusCode);

        await database.ScalarAsync<long>(database.OwnerConnectionString, "WITH gone AS (DELETE FROM data_protection_keys RETURNING 1) SELECT count(*) FROM gone");
        await using var three = TestApp.Create(database.AppConnectionString);
        var onThree = new ApiTests.Caller(three.CreateClient(), caller.Token, tenant.Slug);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onThree.GetAsync("/api/v1/kanban/moves/lead")).StatusCode);
    }
}

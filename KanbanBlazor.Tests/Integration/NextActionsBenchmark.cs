using System.Diagnostics;
using System.Globalization;
using System.Text;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Boards;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.NextActions;
using Microsoft.EntityFrameworkCore;
using Xunit;
using Xunit.Abstractions;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// "My next actions" on a tenant of 100,000 cards (KANBAN_BENCH_NEXT_ACTIONS to change), 40% of them
/// with a next action: the page's data (a rep's own, and a manager's whole team), server time p50/p99
/// over 50 loads after a warm-up, beside a reference measured in the same run (reading one card by its
/// key through the same pooled contexts), and the plan PostgreSQL chose. Target: under 50 ms.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class NextActionsBenchmark(TestDatabase database, ITestOutputHelper output)
{
    private static readonly int Cards = int.Parse(Environment.GetEnvironmentVariable("KANBAN_BENCH_NEXT_ACTIONS") ?? "100000", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Due_next_actions_of_a_large_tenant()
    {
        var tenant = await database.CreateTenantAsync(cardsPerStage: 1);
        var generated = Stopwatch.StartNew();
        await new BoardGenerator(database.KanbanFactory(database.OwnerConnectionString), TimeProvider.System)
            .AddCardsAsync(tenant.Id, EntityTypes.Lead, null, Cards, seed: 7, default);
        generated.Stop();
        await database.ScalarAsync<int>(database.SuperuserConnectionString, "SELECT 1"); // the connection is there
        await using (var analyze = await TestDatabase.OpenAsync(database.OwnerConnectionString, null))
        await using (var command = new Npgsql.NpgsqlCommand("ANALYZE cards", analyze))
            await command.ExecuteNonQueryAsync();

        var tracker = new DueActions(database.KanbanFactory(), TimeProvider.System);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");
        var rep = tenant.As(TenantRole.SalesRep);
        var manager = tenant.As(TenantRole.Manager);
        var someCard = await FirstCardAsync(tenant);

        async Task<(double P50, double P99, int Rows)> TimeAsync(Func<Task<int>> load)
        {
            for (var i = 0; i < 10; i++) await load(); // warm-up: JIT, pool, plans
            var times = new List<double>();
            var rows = 0;
            for (var i = 0; i < 50; i++)
            {
                var started = Stopwatch.GetTimestamp();
                rows = await load();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            times.Sort();
            return (times[times.Count / 2], times[(int)(times.Count * 0.99)], rows);
        }

        var reference = await TimeAsync(async () =>
        {
            await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
            return await db.Cards.AsNoTracking().Where(c => c.Id == someCard).CountAsync();
        });
        var own = await TimeAsync(async () => (await tracker.ListAsync(rep, rep.UserId, zone, default)).Count);
        var team = await TimeAsync(async () => (await tracker.ListAsync(manager, null, zone, default)).Count);
        var plan = await PlanAsync(tenant);

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"My next actions, {Cards:N0} cards in one tenant (generated in {generated.Elapsed.TotalSeconds:F1} s); server time over 50 loads:");
        report.AppendLine(CultureInfo.InvariantCulture, $"  reference, one card by its key: p50 {reference.P50:F2} ms, p99 {reference.P99:F2} ms");
        report.AppendLine(CultureInfo.InvariantCulture, $"  a rep's own ({own.Rows} due this week): p50 {own.P50:F2} ms, p99 {own.P99:F2} ms");
        report.AppendLine(CultureInfo.InvariantCulture, $"  a manager's whole team ({team.Rows} shown, at most {DueActions.Limit}): p50 {team.P50:F2} ms, p99 {team.P99:F2} ms");
        report.AppendLine("  plan of the due query: " + plan);
        output.WriteLine(report.ToString());
        var file = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "bench-results", "next-actions.txt"));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, report.ToString());
        Assert.True(own.Rows > 0 && team.Rows >= own.Rows, "the generated tenant has due next actions");
    }

    private async Task<Guid> FirstCardAsync(TestTenant tenant)
    {
        await using var db = await database.OwnerContextAsync(tenant.Id);
        return await db.Cards.Select(c => c.Id).FirstAsync();
    }

    /// <summary>The first lines of PostgreSQL's plan for the team's due query, as the app's role runs it.</summary>
    private async Task<string> PlanAsync(TestTenant tenant)
    {
        await using var connection = await TestDatabase.OpenAsync(database.AppConnectionString, tenant.Id);
        await using var command = new Npgsql.NpgsqlCommand(
            "EXPLAIN SELECT id FROM cards WHERE next_action_at IS NOT NULL AND next_action_at < now() + interval '7 days' ORDER BY next_action_at LIMIT 500", connection);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0).Trim());
        return string.Join(" / ", lines.Take(3));
    }
}

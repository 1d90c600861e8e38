using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Core.Moves;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Board;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// Benchmark, not a test (./bench.sh runs it, ./test.sh leaves it out). On the same PostgreSQL, in one
/// run, each figure right after its own `pgbench -N -c 8` reference: in a warmed-up process, moves through the real board
/// transaction (membership re-read, board lock, validation with WIP limits, event append, version
/// check, commit, publish to a subscribed viewer) by 8 movers on one board and by 8 movers on 8
/// boards. Prints moves/s, p50/p99 latency and the ratios to pgbench; asserts only that every move
/// committed with its own sequence number and that the server keeps commits durable (fsync and
/// synchronous commit on).
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class MoveThroughputBenchmark(TestDatabase database, ITestOutputHelper output)
{
    private const int Movers = 8;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("KANBAN_BENCH_SECONDS") ?? "12", CultureInfo.InvariantCulture));

    /// <param name="AppCpu">this process's CPU time per move, ms</param>
    /// <param name="MachineCpu">the whole machine's busy CPU time per move (app, PostgreSQL and all), ms</param>
    /// <param name="PerCommit">moves per commit (the board writer's batches)</param>
    private sealed record Run(int Moves, double MovesPerSecond, double P50, double P99, double AppCpu, double MachineCpu, double PerCommit);

    /// <summary>Busy CPU time of the whole machine so far (from /proc/stat), ms.</summary>
    private static double MachineBusyMs()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(double.Parse).ToArray();
        var idle = fields[3] + fields[4];
        return (fields.Sum() - idle) * 1000.0 / 100; // USER_HZ = 100
    }

    [Fact]
    public async Task Moves_through_the_board_transaction_beside_pgbench()
    {
        var durability = await database.ScalarAsync<string>(database.SuperuserConnectionString, "SELECT current_setting('fsync') || '/' || current_setting('synchronous_commit')");
        var hub = new BoardHub(NullLogger<BoardHub>.Instance);
        var transaction = new BoardTransaction(database.WriterFactory(), hub, TimeProvider.System);
        var moveCard = new MoveCard(transaction, NullLogger<MoveCard>.Instance);
        await RunAsync(transaction, moveCard, hub, boards: 1, TimeSpan.FromSeconds(5)); // warm-up: JIT, pools, plans
        // Each figure is measured right after its own pgbench reference: a shared machine's speed drifts.
        var pgbenchOne = await PgbenchAsync();
        var one = await RunAsync(transaction, moveCard, hub, boards: 1, Duration);
        var pgbenchEight = await PgbenchAsync();
        var eight = await RunAsync(transaction, moveCard, hub, boards: 8, Duration);

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL fsync/synchronous_commit: {durability}; {Environment.ProcessorCount} cores; {Duration.TotalSeconds:F0} s per figure");
        foreach (var (name, run, pgbench) in new[] { ("8 movers on 1 board", one, pgbenchOne), ("8 movers on 8 boards", eight, pgbenchEight) })
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"pgbench -N -c 8: {pgbench:F0} tps (reference, same server, just before)");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"{name}: {run.MovesPerSecond:F0} moves/s = {run.MovesPerSecond / pgbench:F2} of pgbench ({run.Moves} moves; latency p50 {run.P50:F1} ms, p99 {run.P99:F1} ms; " +
                $"{run.PerCommit:F1} moves per commit; CPU per move: app {run.AppCpu:F2} ms, whole machine {run.MachineCpu:F2} ms)");
        }
        output.WriteLine(report.ToString());
        var file = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "bench-results", "move-throughput.txt"));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, report.ToString());
        Assert.Equal("on/on", durability);
    }

    /// <summary>8 movers, spread over <paramref name="boards"/> boards, each moving its own cards from
    /// stage to stage for <paramref name="duration"/>; a viewer subscribed to every board.</summary>
    private async Task<Run> RunAsync(BoardTransaction transaction, MoveCard moveCard, BoardHub hub, int boards, TimeSpan duration)
    {
        var stages = new[] { "new", "contacted", "qualified", "proposal", "negotiation" };
        var tenants = new List<(TestTenant Tenant, List<Card> Cards)>();
        var viewers = new List<IDisposable>();
        for (var b = 0; b < boards; b++)
        {
            var tenant = await database.CreateTenantAsync(cardsPerStage: 40);
            // Limits on every open stage, so that each move also counts its target stage under the lock.
            await TestDatabase.SqlAsync(database.OwnerConnectionString, tenant.Id, "UPDATE kanban_stages SET wip_hard_limit = 10000 WHERE outcome = 'Open'");
            await using var db = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
            tenants.Add((tenant, await db.Cards.AsNoTracking().ToListAsync()));
            viewers.Add(hub.Subscribe(tenant.Id, "lead", Guid.NewGuid(), _ => Task.CompletedTask));
        }

        var latencies = new List<double>[Movers];
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var total = new Stopwatch();
        var work = Enumerable.Range(0, Movers).Select(async m =>
        {
            latencies[m] = [];
            var (tenant, cards) = tenants[m % boards];
            // Each mover works its own cards, so every move is valid and none is stale.
            var moversHere = Movers / boards;
            var mine = cards.Where((_, i) => i % moversHere == m / boards).ToList();
            var versions = mine.ToDictionary(c => c.Id, c => c.Version);
            var admin = tenant.As(TenantRole.Admin);
            await go.Task;
            for (var i = 0; total.Elapsed < duration; i++)
            {
                var card = mine[i % mine.Count];
                var started = Stopwatch.GetTimestamp();
                var result = await moveCard.ExecuteAsync(admin, "lead",
                    new MoveRequest(card.Id, versions[card.Id], stages[(i / mine.Count + m + 1) % stages.Length], i % 5), Guid.NewGuid(), "bench", default);
                latencies[m].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Assert.True(result.Succeeded, result.Decision.Message);
                versions[card.Id] = result.Moved!.Version;
            }
        }).ToList();
        var committedBefore = transaction.Committed;
        var appCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var machineCpu = MachineBusyMs();
        total.Start();
        go.SetResult();
        await Task.WhenAll(work);
        total.Stop();
        var appCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - appCpu).TotalMilliseconds;
        var machineCpuMs = MachineBusyMs() - machineCpu;
        var committed = transaction.Committed;
        var perCommit = (double)(committed.Writes - committedBefore.Writes) / Math.Max(1, committed.Commits - committedBefore.Commits);
        foreach (var viewer in viewers) viewer.Dispose();

        foreach (var (tenant, _) in tenants)
        {
            await using var check = await database.KanbanFactory().CreateForTenantAsync(tenant.Id, default);
            var sequences = await check.Moves.Select(m => m.Sequence).OrderBy(s => s).ToListAsync();
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        }
        var all = latencies.SelectMany(l => l).Order().ToList();
        double Percentile(double p) => all[(int)Math.Ceiling(p * all.Count) - 1];
        return new Run(all.Count, all.Count / total.Elapsed.TotalSeconds, Percentile(0.5), Percentile(0.99), appCpuMs / all.Count, machineCpuMs / all.Count, perCommit);
    }

    /// <summary>`pgbench -N -c 8 -j 2` (the simple-update TPC-B-like script) on a database of its own on
    /// the same server, for the same duration; returns its TPS.</summary>
    private async Task<double> PgbenchAsync()
    {
        var binary = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pgbench")).Where(File.Exists).Order().LastOrDefault() ?? "pgbench";
        var port = new NpgsqlConnectionStringBuilder(database.SuperuserConnectionString).Port.ToString(CultureInfo.InvariantCulture);
        await using (var connection = new NpgsqlConnection(database.SuperuserConnectionString))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand("DROP DATABASE IF EXISTS kanban_pgbench", connection).ExecuteNonQueryAsync();
            await new NpgsqlCommand("CREATE DATABASE kanban_pgbench", connection).ExecuteNonQueryAsync();
        }
        string[] common = ["-h", "127.0.0.1", "-p", port, "-U", "postgres"];
        await ProcessAsync(binary, [.. common, "-i", "-s", "8", "-q", "kanban_pgbench"]);
        var text = await ProcessAsync(binary, [.. common, "-N", "-c", "8", "-j", "2", "-T", ((int)Duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "kanban_pgbench"]);
        var tps = Regex.Match(text, @"tps = ([0-9.]+)");
        Assert.True(tps.Success, text);
        return double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<string> ProcessAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var all = await stdout + await stderr;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {all}");
        return all;
    }
}

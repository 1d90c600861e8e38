using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using Xunit;

namespace KanbanBlazor.E2E;

/// <summary>
/// The local cluster of <c>scripts/cluster.sh</c>, as an operator would run it: its own PostgreSQL,
/// PgBouncer in transaction mode, two app instances (the built KanbanBlazor.Web.dll) and nginx with
/// sticky sessions on one port. Browsers are pinned to an instance by the affinity cookie nginx hashes
/// (<see cref="AffinityForAsync"/>), and the tests can kill an instance or restart PostgreSQL under them.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly List<IBrowserContext> openContexts = [];
    private readonly Dictionary<int, string> affinities = [];
    private string directory = "";
    private int port;

    public string BaseUrl => $"http://127.0.0.1:{port}";
    public string DatabaseConnectionString => $"Host=127.0.0.1;Port={port + 1};Database=kanban;Username=postgres;Pooling=false;Timeout=3";
    public int InstancePort(int instance) => port + 2 + instance;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The fixture of the running cluster tests, for the after-test hook.</summary>
    public static ClusterFixture? Current { get; private set; }

    private static string RepositoryRoot => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));

    public async Task InitializeAsync()
    {
        port = FreePorts(5);
        directory = Directory.CreateTempSubdirectory("kanban-cluster-").FullName;
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        await ScriptAsync(TimeSpan.FromMinutes(5), "scripts/cluster.sh", "start", directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Current = this;
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("KANBAN_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });

        async Task ScriptAsync(TimeSpan timeout, params string[] args) => await RunAsync(timeout, configuration, args);
    }

    /// <summary>Runs one of the repository's scripts (cluster.sh kill/revive, pg.sh stop/start); throws with its output when it fails.</summary>
    public Task RunAsync(TimeSpan timeout, params string[] args) =>
        RunAsync(timeout, new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, args);

    private async Task RunAsync(TimeSpan timeout, string configuration, string[] args)
    {
        var info = new ProcessStartInfo("bash") { WorkingDirectory = RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["KANBAN_CLUSTER_APP_DIR"] = Path.Combine(RepositoryRoot, "KanbanBlazor.Web", "bin", configuration, "net10.0");
        info.Environment["KANBAN_CLUSTER_LIFT_RATE_LIMITS"] = "1"; // every test user signs in from 127.0.0.1
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', args)} took over {timeout}:\n{await output}\n{await errors}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', args)} failed ({process.ExitCode}):\n{await output}\n{await errors}");
    }

    /// <summary>Kills app instance 1 or 2 at once, as a crash would.</summary>
    public Task KillInstanceAsync(int instance) => RunAsync(TimeSpan.FromSeconds(30), "scripts/cluster.sh", "kill", directory, instance.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Starts both app instances, if either is down (a test that killed one may have failed before reviving it).</summary>
    public async Task EnsureInstancesAsync()
    {
        foreach (var instance in new[] { "1", "2" })
            await RunAsync(TimeSpan.FromMinutes(2), "scripts/cluster.sh", "revive", directory, instance);
    }

    public Task StopDatabaseAsync() => RunAsync(TimeSpan.FromMinutes(1), "scripts/pg.sh", "stop", Path.Combine(directory, "pg"));

    public Task StartDatabaseAsync() =>
        RunAsync(TimeSpan.FromMinutes(1), "scripts/pg.sh", "start", Path.Combine(directory, "pg"), (port + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The log of app instance 1 or 2 so far.</summary>
    public string InstanceLog(int instance) => File.ReadAllText(Path.Combine(directory, $"app{instance}.log"));

    /// <summary>An affinity cookie that nginx sends to <paramref name="instance"/> (found by asking it: each
    /// response names the instance that served it).</summary>
    public async Task<string> AffinityForAsync(int instance)
    {
        if (affinities.TryGetValue(instance, out var known)) return known;
        using var http = new HttpClient();
        for (var i = 0; i < 200; i++)
        {
            var candidate = $"pin-{i}";
            using var request = new HttpRequestMessage(HttpMethod.Get, BaseUrl + "/healthz");
            request.Headers.Add("Cookie", "kanban_affinity=" + candidate);
            using var response = await http.SendAsync(request);
            var upstream = response.Headers.TryGetValues("X-Kanban-Upstream", out var values) ? values.Single() : "";
            var served = upstream.EndsWith(":" + InstancePort(1), StringComparison.Ordinal) ? 1 : upstream.EndsWith(":" + InstancePort(2), StringComparison.Ordinal) ? 2 : 0;
            if (served != 0) affinities.TryAdd(served, candidate);
            if (affinities.TryGetValue(instance, out var found)) return found;
        }
        throw new InvalidOperationException($"No affinity cookie reached instance {instance}");
    }

    /// <summary>A browser signed in as <paramref name="email"/> through the load balancer, pinned to
    /// <paramref name="instance"/>, with a page on the lead board.</summary>
    public async Task<IPage> OpenBoardAsync(string email, int instance)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl, ViewportSize = new() { Width = 1900, Height = 1000 }, TimezoneId = "Europe/Berlin" });
        lock (openContexts) openContexts.Add(context);
        await context.AddCookiesAsync([new() { Name = "kanban_affinity", Value = await AffinityForAsync(instance), Url = BaseUrl }]);
        var page = await context.NewPageAsync();
        await AppFixture.SignInAsync(page, email, AppFixture.Password);
        await page.WaitForURLAsync("**/board/lead");
        await page.WaitUntilDraggableAsync();
        Assert.Equal(instance, await ServedByAsync(page));
        return page;
    }

    /// <summary>The cookies of <paramref name="email"/>'s session, signed in through the load balancer, as a
    /// Cookie header (without the affinity cookie: the caller adds the one it wants).</summary>
    public async Task<string> CookieHeaderAsync(string email)
    {
        await using var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl });
        var page = await context.NewPageAsync();
        await AppFixture.SignInAsync(page, email, AppFixture.Password);
        await page.WaitForURLAsync("**/board/lead");
        return string.Join("; ", (await context.CookiesAsync()).Where(c => c.Name != "kanban_affinity").Select(c => $"{c.Name}={c.Value}"));
    }

    /// <summary>Which instance serves the page's requests now (1 or 2).</summary>
    public async Task<int> ServedByAsync(IPage page)
    {
        var upstream = await page.EvaluateAsync<string>("() => fetch('/healthz').then(r => r.headers.get('X-Kanban-Upstream') || '')");
        return upstream.EndsWith(":" + InstancePort(1), StringComparison.Ordinal) ? 1 : upstream.EndsWith(":" + InstancePort(2), StringComparison.Ordinal) ? 2 : 0;
    }

    public async Task CloseContextsAsync()
    {
        IBrowserContext[] closing;
        lock (openContexts)
        {
            closing = [.. openContexts];
            openContexts.Clear();
        }
        foreach (var context in closing) await context.CloseAsync();
    }

    /// <summary>A port with the next <paramref name="count"/> - 1 free too (nginx, PostgreSQL, PgBouncer, two instances).</summary>
    private static int FreePorts(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var first = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            if (first + count > 65535) continue;
            if (Enumerable.Range(first, count).All(Free)) return first;
        }
        throw new InvalidOperationException("No run of free ports");

        static bool Free(int candidate)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, candidate);
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        Playwright?.Dispose();
        if (directory != "")
        {
            try
            {
                await RunAsync(TimeSpan.FromMinutes(1), "scripts/cluster.sh", "stop", directory);
            }
            finally
            {
                // KANBAN_CLUSTER_KEEP_LOGS=DIR: the instances' and nginx's logs are kept there, for a failure's post-mortem.
                if (Environment.GetEnvironmentVariable("KANBAN_CLUSTER_KEEP_LOGS") is { Length: > 0 } keep)
                {
                    Directory.CreateDirectory(keep);
                    foreach (var log in Directory.GetFiles(directory, "*.log")) File.Copy(log, Path.Combine(keep, Path.GetFileName(log)), overwrite: true);
                }
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

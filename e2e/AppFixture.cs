using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Playwright;
using Npgsql;
using Xunit;

namespace KanbanBlazor.E2E;

/// <summary>
/// Runs the real app (the built KanbanBlazor.Web.dll) on a free loopback port against a fresh
/// database in the test PostgreSQL started by test.sh, seeded with the demo tenants, and a headless
/// Debian Chromium driven by Playwright. Each user signs in once; later contexts reuse the saved state.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string Password = "Kanban!demo1";

    private readonly StringBuilder appOutput = new();
    private readonly Dictionary<string, string> signedInStates = [];
    private readonly SemaphoreSlim signInGate = new(1, 1);
    private readonly List<IBrowserContext> openContexts = [];
    private Process? app;

    /// <summary>The CPU time the app's process has used so far (user and system), for the benchmarks.</summary>
    public TimeSpan AppCpuTime => app is { HasExited: false } running ? running.TotalProcessorTime : TimeSpan.Zero;
    private ProcessStartInfo start = null!;

    public string BaseUrl { get; private set; } = "";

    /// <summary>The cards generated into the "New" stage of the bigco tenant, on top of its demo cards.</summary>
    public const int BigStageCards = 10_000;

    /// <summary>Cards generated over every stage of the hugeco tenant, for the board-load benchmark only
    /// (KANBAN_BENCH_HUGE, set by ./bench.sh; 0: no such tenant).</summary>
    public static readonly int HugeTenantCards = int.TryParse(Environment.GetEnvironmentVariable("KANBAN_BENCH_HUGE"), out var huge) ? huge : 0;
    /// <summary>The app's database as the superuser, for arranging what the app itself would not do.</summary>
    public string DatabaseConnectionString { get; private set; } = "";
    /// <summary>The app reaches PostgreSQL through this relay, so that a test can cut it off; except in
    /// ./bench.sh's runs (KANBAN_BENCH_DIRECT_DB=1), where every query would pass through this test
    /// process as well and the figures would measure the relay: there the app talks to PostgreSQL
    /// directly, and the tests that cut the relay are not run.</summary>
    public TcpRelay Database { get; private set; } = null!;
    public static readonly bool DirectDatabase = Environment.GetEnvironmentVariable("KANBAN_BENCH_DIRECT_DB") == "1";
    /// <summary>A second way into the app, through a relay a test can cut (a network outage);
    /// cookies are per host, so a signed-in browser is signed in at either address.</summary>
    public TcpRelay Network { get; private set; } = null!;
    public string NetworkUrl => $"http://127.0.0.1:{Network.Port}";
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var pgPort = Environment.GetEnvironmentVariable("KANBAN_TEST_PG_PORT")
            ?? throw new InvalidOperationException("KANBAN_TEST_PG_PORT is not set: run the tests with ./test.sh, which starts PostgreSQL.");
        var database = $"kanban_e2e_{Guid.NewGuid():N}"[..28];
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";

        var webDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "KanbanBlazor.Web", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0"));
        start = new ProcessStartInfo("dotnet", Path.Combine(webDir, "KanbanBlazor.Web.dll"))
        {
            WorkingDirectory = webDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var server = $"Host=127.0.0.1;Port={pgPort}";
        Database = new TcpRelay(int.Parse(pgPort, System.Globalization.CultureInfo.InvariantCulture));
        Network = new TcpRelay(port);
        DatabaseConnectionString = $"{server};Database={database};Username=postgres;Pooling=false";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = BaseUrl;
        var appPort = DirectDatabase ? pgPort : Database.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ConnectionStrings__Kanban"] = $"Host=127.0.0.1;Port={appPort};Database={database};Username=kanban_app;Timeout=3";
        start.Environment["ConnectionStrings__KanbanIdentity"] = $"Host=127.0.0.1;Port={appPort};Database={database};Username=kanban_identity;Timeout=3";
        start.Environment["ConnectionStrings__KanbanOwner"] = $"{server};Database={database};Username=kanban_owner;Pooling=false";
        start.Environment["Database__BootstrapConnectionString"] = $"{server};Database=postgres;Username=postgres;Pooling=false";
        start.Environment["Database__SeedDemoData"] = "true";
        // A tenant whose "New" stage holds 10,000 more cards (BoardAtScaleTests); nobody else uses it.
        start.Environment["Demo__Scale__bigco__Cards"] = BigStageCards.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Demo__Scale__bigco__Stage"] = "new";
        if (HugeTenantCards > 0) start.Environment["Demo__Scale__hugeco__Cards"] = HugeTenantCards.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RateLimits__SignInPerMinute"] = "1000"; // every test user signs in from 127.0.0.1; the limit has its own test
        // The scale benchmarks move cards through the API as fast as it answers, and weigh the server's heap.
        start.Environment["RateLimits__ApiPerMinute"] = "1000000";
        start.Environment["Diagnostics__Memory"] = "true";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // Catching up and reloading boards are told at Information: the reconnect tests read them.
        start.Environment["Logging__LogLevel__KanbanBlazor.Web.Features.Board.LiveBoard"] = "Information";
        await StartAppAsync();

        Current = this;
        // What a user would wait for, not 5 s: a test machine busy with the app, PostgreSQL and Chromium
        // at once renders a board slower than a phone does. A broken page still fails, only later.
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(15_000);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("KANBAN_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A new browser context signed in as <paramref name="email"/>, with a page on the lead board.</summary>
    public async Task<IPage> OpenBoardAsync(string email, ViewportSize? viewport = null, bool touch = false, string? baseUrl = null,
        string locale = "en-US", bool dark = false)
    {
        var state = await SignedInStateAsync(email);
        var context = await NewContextAsync(new()
        {
            BaseURL = baseUrl ?? BaseUrl, StorageState = state, ViewportSize = viewport ?? new() { Width = 1900, Height = 1000 },
            TimezoneId = "Europe/Berlin", HasTouch = touch, IsMobile = touch, Locale = locale,
        });
        if (dark) await context.AddCookiesAsync([new() { Name = "kb.theme", Value = "dark", Url = baseUrl ?? BaseUrl }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/board/lead");
        await page.WaitUntilDraggableAsync();
        return page;
    }

    /// <summary>A new browser context signed in as <paramref name="email"/>, with a blank page (the caller navigates).</summary>
    public async Task<IPage> NewSignedInPageAsync(string email)
    {
        var context = await NewContextAsync(new()
        {
            BaseURL = BaseUrl, StorageState = await SignedInStateAsync(email), ViewportSize = new() { Width = 1900, Height = 1000 }, TimezoneId = "Europe/Berlin",
        });
        return await context.NewPageAsync();
    }

    /// <summary>Forgets the saved sign-in of <paramref name="email"/>: after a sign-out it is dead
    /// (signing out ends every session of the user), so the next test signs in afresh.</summary>
    public void ForgetSignIn(string email)
    {
        signInGate.Wait();
        try
        {
            signedInStates.Remove(email);
        }
        finally
        {
            signInGate.Release();
        }
    }

    /// <summary>HTTP requests as a signed-in user, without opening a page (no board, no circuit).</summary>
    public async Task<IAPIRequestContext> SignedInApiAsync(string email)
    {
        var context = await NewContextAsync(new() { BaseURL = BaseUrl, StorageState = await SignedInStateAsync(email) });
        return context.APIRequest;
    }

    /// <summary>A browser context that is closed when the test ends (CloseBrowserContextsAfterEachTest).</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        lock (openContexts) openContexts.Add(context);
        return context;
    }

    /// <summary>Closes every context the finished test opened, so that a long run does not pile up
    /// browser processes on a two-core machine.</summary>
    public async Task CloseContextsAsync()
    {
        IBrowserContext[] closing;
        lock (openContexts)
        {
            closing = [.. openContexts];
            openContexts.Clear();
        }
        foreach (var context in closing)
        {
            // Closed the way a person closes a tab (unload handlers run), so that Blazor ends each
            // circuit at once instead of keeping it for a reconnect that will not come.
            var pages = context.Pages.ToList();
            foreach (var page in pages) await page.CloseAsync(new() { RunBeforeUnload = true });
            for (var wait = 0; wait < 40 && pages.Any(p => !p.IsClosed); wait++) await Task.Delay(50);
            await context.CloseAsync();
        }
    }

    /// <summary>The fixture of the running test collection, for the after-test hook.</summary>
    public static AppFixture? Current { get; private set; }

    public async Task<IPage> NewAnonymousPageAsync()
    {
        var context = await NewContextAsync(new() { BaseURL = BaseUrl });
        return await context.NewPageAsync();
    }

    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>
    /// Moves a card the way another app instance would: committed in PostgreSQL with the next board
    /// sequence number and a move-log entry, but never published to this instance's circuits.
    /// </summary>
    public async Task MoveElsewhereAsync(string cardId, string moverEmail, string toStage)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            WITH card AS (SELECT id, tenant_id, stage, position, version FROM cards WHERE id = @card),
                 board AS (UPDATE kanban_configs k SET sequence = sequence + 1 FROM card
                           WHERE k.tenant_id = card.tenant_id AND k.entity_type = 'lead' RETURNING k.sequence),
                 moved AS (UPDATE cards c SET stage = @to, position = 'zzzV', version = version + 1, updated_at = now()
                           WHERE c.id = @card RETURNING c.id)
            INSERT INTO kanban_moves (id, tenant_id, entity_type, entity_id, from_stage, from_position, to_stage, to_position, user_id, sequence, metadata)
            SELECT gen_random_uuid(), card.tenant_id, 'lead', card.id, card.stage, card.position, @to, 'zzzV',
                   (SELECT id FROM users WHERE normalized_email = upper(@mover)), board.sequence,
                   jsonb_build_object('source', 'test', 'card_version', card.version + 1)
            FROM card, board, moved
            """, connection);
        command.Parameters.AddWithValue("card", Guid.Parse(cardId));
        command.Parameters.AddWithValue("to", toStage);
        command.Parameters.AddWithValue("mover", moverEmail);
        if (await command.ExecuteNonQueryAsync() != 1) throw new InvalidOperationException("The card was not moved.");
    }

    /// <summary>
    /// A new person for a test that changes someone's access (the demo users are shared by every
    /// test): the demo password, and memberships in the given tenants (the first by name is the one
    /// they sign in to). Returns their email.
    /// </summary>
    public async Task<string> NewMemberAsync(params (string Tenant, string Role)[] memberships)
    {
        var id = Guid.NewGuid();
        var email = $"member-{id:N}@test.demo";
        await ExecuteSqlAsync("""
            INSERT INTO users (id, display_name, user_name, normalized_user_name, email, normalized_email, email_confirmed,
                               password_hash, security_stamp, concurrency_stamp, phone_number_confirmed, two_factor_enabled,
                               lockout_enabled, access_failed_count)
            SELECT @id, 'Pat Member', @email, upper(@email), @email, upper(@email), true, password_hash,
                   gen_random_uuid()::text, gen_random_uuid()::text, false, false, true, 0
            FROM users WHERE normalized_email = 'ADMIN@ACME.DEMO'
            """, ("id", id), ("email", email));
        foreach (var (tenant, role) in memberships)
        {
            await ExecuteSqlAsync("""
                INSERT INTO tenant_memberships (tenant_id, user_id, role, display_name)
                SELECT id, @id, @role, 'Pat Member' FROM tenants WHERE slug = @tenant
                """, ("id", id), ("role", role), ("tenant", tenant));
        }
        return email;
    }

    /// <summary>The first value of a query, as a superuser.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs SQL as a superuser, as an administrator's script or another instance would.</summary>
    public async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>The cookies of <paramref name="email"/>'s signed-in session, as a Cookie header (for clients that are not a browser).</summary>
    public async Task<string> CookieHeaderAsync(string email)
    {
        using var state = System.Text.Json.JsonDocument.Parse(await SignedInStateAsync(email));
        return string.Join("; ", state.RootElement.GetProperty("cookies").EnumerateArray()
            .Select(c => $"{c.GetProperty("name").GetString()}={c.GetProperty("value").GetString()}"));
    }

    private async Task<string> SignedInStateAsync(string email)
    {
        await signInGate.WaitAsync();
        try
        {
            if (signedInStates.TryGetValue(email, out var saved)) return saved;
            await using var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl });
            var page = await context.NewPageAsync();
            await SignInAsync(page, email, Password);
            await page.WaitForURLAsync("**/board/lead");
            return signedInStates[email] = await context.StorageStateAsync();
        }
        finally
        {
            signInGate.Release();
        }
    }

    private async Task StartAppAsync()
    {
        app = Process.Start(start) ?? throw new InvalidOperationException("The app did not start.");
        app.OutputDataReceived += (_, e) => { lock (appOutput) appOutput.AppendLine(e.Data); };
        app.ErrorDataReceived += (_, e) => { lock (appOutput) appOutput.AppendLine(e.Data); };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        await WaitUntilHealthyAsync();
    }

    private Process? second;
    private readonly SemaphoreSlim secondGate = new(1, 1);

    /// <summary>A second instance of the app on the same database (started on first use, then kept): the
    /// address of a colleague's instance behind a load balancer. Cookies of 127.0.0.1 reach it too.</summary>
    public async Task<string> SecondInstanceAsync()
    {
        await secondGate.WaitAsync();
        try
        {
            var url = $"http://127.0.0.1:{secondPort}";
            if (second is { HasExited: false }) return url;
            var info = new ProcessStartInfo(start.FileName, start.Arguments) { WorkingDirectory = start.WorkingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (key, value) in start.Environment) info.Environment[key] = value;
            info.Environment["ASPNETCORE_URLS"] = url;
            info.Environment["Database__SeedDemoData"] = "false"; // the first instance seeded it
            second = Process.Start(info) ?? throw new InvalidOperationException("The second instance did not start.");
            second.OutputDataReceived += (_, e) => { lock (appOutput) appOutput.AppendLine("[second] " + e.Data); };
            second.ErrorDataReceived += (_, e) => { lock (appOutput) appOutput.AppendLine("[second] " + e.Data); };
            second.BeginOutputReadLine();
            second.BeginErrorReadLine();
            await WaitUntilHealthyAsync(second, url);
            return url;
        }
        finally
        {
            secondGate.Release();
        }
    }

    private readonly int secondPort = FreePort();

    /// <summary>Stops the app and starts it again on the same address and database, as a deployment
    /// or a crash would: every circuit it held is gone. <paramref name="whileDown"/> runs in between.</summary>
    public async Task RestartAsync(Func<Task>? whileDown = null)
    {
        app!.Kill(entireProcessTree: true);
        await app.WaitForExitAsync();
        if (whileDown is not null) await whileDown();
        await StartAppAsync();
    }

    private Task WaitUntilHealthyAsync() => WaitUntilHealthyAsync(app!, BaseUrl);

    private async Task WaitUntilHealthyAsync(Process process, string baseUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with {process.ExitCode}:\n{Output}");
            try
            {
                if ((await http.GetAsync($"{baseUrl}/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The app did not become healthy in time:\n{Output}");
    }

    public string Output
    {
        get { lock (appOutput) return appOutput.ToString(); }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        if (Database is not null) await Database.DisposeAsync();
        if (Network is not null) await Network.DisposeAsync();
        Playwright?.Dispose();
        if (second is { HasExited: false })
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }
        if (app is { HasExited: false })
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}

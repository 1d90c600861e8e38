using OpenTelemetry.Metrics;
using KanbanBlazor.Web.Features.Metrics;
using KanbanBlazor.Web;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Features.Account;
using KanbanBlazor.Web.Features.Api;
using KanbanBlazor.Web.Features.Board;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using KanbanBlazor.Web.Components;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);
var database = DatabaseSettings.From(builder.Configuration);

if (!builder.Environment.IsDevelopment())
    builder.Logging.AddJsonConsole(); // one JSON object per log entry, for the log collector
// Sign-in cookies (and antiforgery tokens) are protected with this key ring; it is kept in PostgreSQL,
// so that every instance shares it and it outlives any one of them.
builder.Services.AddDataProtection().SetApplicationName("KanbanBlazor").PersistKeysToDbContext<AccountsDbContext>();

// Behind a TLS-terminating proxy: X-Forwarded-For/-Proto are believed only from the proxies listed in
// ReverseProxy:KnownProxies (IP addresses); with none listed they are ignored.
var knownProxies = (builder.Configuration["ReverseProxy:KnownProxies"] ?? "")
    .Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries)
    .Select(System.Net.IPAddress.Parse)
    .ToList();
builder.Services.Configure<ForwardedHeadersOptions>(options =>
{
    options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
    options.KnownProxies.Clear();
    options.KnownIPNetworks.Clear();
    foreach (var proxy in knownProxies) options.KnownProxies.Add(proxy);
});

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
// Snackbars ("Moved. Undo") at the bottom, as in Gmail or Trello: never over the board's header buttons.
builder.Services.AddMudServices(o =>
{
    o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
    // Each circuit's popover service wakes on this period, forever, to tell the browser about popovers
    // already gone from the page (the browser's side of them only). Every half second (MudBlazor's
    // default) that was a timer tick per open page twice a second: 4,000 a second at 2,000 open boards.
    o.PopoverOptions.QueueDelay = TimeSpan.FromSeconds(5);
});
builder.Services.AddLocalization();
builder.Services.AddCascadingAuthenticationState();
builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingTenantAuthenticationStateProvider>();
builder.Services.AddSingleton(TimeProvider.System);

// Two roles serve the app (README, "Database roles"): identity data through one, board traffic through the other.
builder.Services.AddDbContextFactory<AccountsDbContext>(o => o.UseNpgsql(database.Identity));
// Pooled: a board write creates one per transaction, and building a context's services is most of its cost.
builder.Services.AddPooledDbContextFactory<KanbanDbContext>(o => o.UseNpgsql(database.App).AddInterceptors(new TenantConnectionInterceptor()));
builder.Services.AddSingleton<DatabaseMigrator>();

// The browser signs in with a cookie; API clients send a bearer token (POST /api/v1/auth/token).
builder.Services.AddAuthentication(o => o.DefaultScheme = ApiTokens.CookieOrToken)
    .AddApiTokens(builder.Configuration)
    .AddIdentityCookies();
builder.Services.ConfigureApplicationCookie(cookie =>
{
    cookie.LoginPath = "/account/login";
    cookie.LogoutPath = "/account/logout";
    cookie.AccessDeniedPath = "/account/login";
    cookie.Cookie.Name = "kanban.auth";
    cookie.Cookie.SameSite = SameSiteMode.Lax;
    cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure whenever the request was HTTPS (proxy included)
    cookie.SlidingExpiration = true;
    // The API answers 401/403 instead of redirecting to the sign-in page.
    cookie.Events.OnRedirectToLogin = context => ApiAwareRedirect(context, StatusCodes.Status401Unauthorized);
    cookie.Events.OnRedirectToAccessDenied = context => ApiAwareRedirect(context, StatusCodes.Status403Forbidden);
});
// Sessions end when they should: the cookie's security stamp is checked against the user on every
// request (interval zero), and signing out changes the stamp, so every copy of every cookie of that
// user is refused on its next request; open circuits are told at once (AccessChanges).
builder.Services.Configure<SecurityStampValidatorOptions>(o =>
{
    o.ValidationInterval = TimeSpan.Zero;
    o.OnRefreshingPrincipal = TenantSignIn.KeepTenantClaim;
});
// Access changes (membership, role, sessions ended) are pushed from PostgreSQL to open circuits.
builder.Services.AddSingleton<AccessChanges>();
builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<AccessChangeListener>(services, database.Listen));
builder.Services.AddHostedService<BoardAccessWatcher>();
builder.Services.AddAuthorization();
builder.Services.AddRateLimits(builder.Configuration);
// The REST API's description (OpenAPI 3.1) and its interactive reference page (README, "REST API").
builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer<ApiDocument>());
// A query value of the wrong type answers 400 with its reason (ApiProblems), never an empty 400.
builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddIdentityCore<AppUser>(o =>
    {
        o.User.RequireUniqueEmail = true;
        // Guessing from a new device stops for 5 minutes after 5 failures; the owner's known device
        // is not held to it (SignInGuard).
        o.Lockout.MaxFailedAccessAttempts = 5;
        o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
    })
    .AddEntityFrameworkStores<AccountsDbContext>()
    .AddSignInManager();

builder.Services.AddScoped<SignInGuard>();
builder.Services.AddSingleton<TenantResolver>();
builder.Services.AddSingleton(new RequestAccess.IdentitySource(database.Identity));
builder.Services.AddSingleton<RequestAccess>();
builder.Services.AddScoped<TenantContext>();
builder.Services.AddSingleton<BoardHub>();
builder.Services.AddSingleton<SharedBoards>();
builder.Services.AddSingleton<LoadBoard>();
// Board events reach the circuits of every instance: PostgreSQL relays each commit (BoardRelay).
builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<BoardRelay>(services, database.Listen));
builder.Services.AddHostedService(services => services.GetRequiredService<BoardRelay>());
// And so does who views which board: each instance announces its share, and forgets others' that go silent (PresenceRelay).
builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<PresenceRelay>(services, database.Listen));
builder.Services.AddHostedService(services => services.GetRequiredService<PresenceRelay>());
builder.Services.AddSingleton(services => new BoardTransaction(
    KanbanContexts.ForBoardWriter(database.App), services.GetRequiredService<BoardHub>(), services.GetRequiredService<TimeProvider>(),
    services.GetRequiredService<SnapshotScheduler>(), services.GetRequiredService<SharedBoards>(), services.GetRequiredService<MetricsProjector>(),
    services.GetRequiredService<BoardRelay>()));
builder.Services.AddSingleton<MoveCard>();
builder.Services.AddSingleton<KanbanBlazor.Web.Features.Cards.CardWrites>();
builder.Services.AddSingleton<KanbanBlazor.Web.Features.NextActions.DueActions>();
builder.Services.AddSingleton<UndoMove>();
builder.Services.AddSingleton<CardHistory>();
builder.Services.AddSingleton<VerifyBoard>();
builder.Services.AddSingleton<BoardPages>();
builder.Services.AddSingleton<BoardLog>();
builder.Services.AddSingleton<BoardSnapshots>();
builder.Services.AddSingleton<RepairBoard>();
builder.Services.AddSingleton<SnapshotScheduler>();
builder.Services.AddHostedService(services => services.GetRequiredService<SnapshotScheduler>());
builder.Services.AddSingleton<MetricsProjector>();
builder.Services.AddSingleton<MetricsReport>();
builder.Services.AddSingleton<WipBlocks>();
builder.Services.AddHostedService(services => services.GetRequiredService<MetricsProjector>());
builder.Services.AddScoped<CircuitConnection>();
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CircuitConnectionHandler>();
builder.Services.AddSingleton<EditLocks>();
builder.Services.AddSingleton<ConfigureBoard>();
builder.Services.AddSingleton<StageTimes>();
builder.Services.AddSingleton<BoardPreferences>();
builder.Services.AddSingleton<CardSearch>();
builder.Services.AddScoped<BoardText>();
builder.Services.AddScoped<SortableScript>();
builder.Services.AddScoped<KanbanBlazor.Web.Features.Users.TenantPeople>();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database").AddCheck<LiveBoardsHealthCheck>("live");
// What operators watch, for Prometheus at /ops/metrics (README, "Operating"): the board's own figures,
// open circuits (Blazor's meter), requests (ASP.NET Core's) and connection pool use (Npgsql's).
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter(KanbanBlazor.Web.Operations.KanbanTelemetry.MeterName, "Microsoft.AspNetCore.Components.Server.Circuits",
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql")
    .AddPrometheusExporter());

var app = builder.Build();

await app.PrepareDatabaseAsync(database);

if (knownProxies.Count > 0) app.UseForwardedHeaders();

// People see a friendly error page, never a stack trace, in every environment (./run.sh included):
// the developer exception page only with Errors:Detailed=true (README, "Configuration").
if (!app.Configuration.GetValue("Errors:Detailed", false))
{
    // A malformed request (a bad antiforgery token, an unreadable form, a query value of the wrong
    // type) is the caller's: 400, not 500. The API answers with problem details, people with a page.
    static int StatusOf(Exception ex) => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
    app.UseWhen(http => http.Request.Path.StartsWithSegments("/api"), api => api.UseExceptionHandler(new ExceptionHandlerOptions
    {
        ExceptionHandler = ApiProblems.WriteExceptionAsync,
        StatusCodeSelector = StatusOf,
    }));
    app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"), web => web.UseExceptionHandler(new ExceptionHandlerOptions
    {
        ExceptionHandlingPath = "/error",
        CreateScopeForErrors = true,
        StatusCodeSelector = StatusOf,
    }));
}
if (!app.Environment.IsDevelopment()) app.UseHsts();
app.UseSecurityHeaders();
// The UI language: the user's choice (a cookie set from the user menu), else the browser's Accept-Language.
app.UseRequestLocalization(options => options
    .SetDefaultCulture(Cultures.Default)
    .AddSupportedCultures(Cultures.Names)
    .AddSupportedUICultures(Cultures.Names));
app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"), web => web.UseStatusCodePagesWithReExecute("/not-found"));
// Routing after the status-code pages, so that re-executing /not-found finds its page.
app.UseRouting();
app.UseRateLimiter();
app.UseClientAddress();
app.UseAuthentication();
app.UseApiTokenChecks();
app.UseMiddleware<TenantMiddleware>();
app.UseAuthorization();
app.UseAntiforgery();
app.UseBadFormPage();

app.MapStaticAssets();
app.UseSwaggerUI(o =>
{
    o.RoutePrefix = "api/docs";
    o.DocumentTitle = "KanbanBlazor API";
    o.SwaggerEndpoint("/api/v1/openapi.json", "KanbanBlazor API v1");
});
app.MapHealthChecks("/healthz", HealthReport.Options);
KanbanBlazor.Web.Operations.KanbanTelemetry.CountOpenViews(() => app.Services.GetRequiredService<BoardHub>().TotalSubscribers);
// Per-instance counts with no tenant, board or user in them; keep the path off the public proxy.
if (app.Configuration.GetValue("Diagnostics:Prometheus", true))
    app.MapPrometheusScrapingEndpoint("/ops/metrics");
// For the scale benchmarks only (off unless Diagnostics:Memory=true): the managed heap after a full
// collection, and the board views open, so that memory per viewer can be measured from outside.
if (app.Configuration.GetValue("Diagnostics:Memory", false))
{
    app.MapGet("/diagnostics/memory", (BoardHub hub) =>
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Results.Ok(new { heapBytes = GC.GetTotalMemory(forceFullCollection: true), boardViews = hub.TotalSubscribers });
    });
}
app.MapAccountEndpoints();
app.MapApiTokens();
app.MapBoardApi();
app.MapOpenApi("/api/{documentName}/openapi.json");
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
{
    if (context.Request.Path.StartsWithSegments("/api")) context.Response.StatusCode = status;
    else context.Response.Redirect(context.RedirectUri);
    return Task.CompletedTask;
}

public partial class Program;

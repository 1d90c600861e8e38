using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The real app in memory, as in production, on an already migrated database.</summary>
public static class TestApp
{
    public static WebApplicationFactory<Program> Create(string appConnectionString, params (string Key, string Value)[] settings) =>
        Create("Production", appConnectionString, settings);

    /// <param name="environment">"Development" is how ./run.sh runs the app</param>
    public static WebApplicationFactory<Program> Create(string environment, string appConnectionString, params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment(environment);
            // Development's settings point at ./run.sh's PostgreSQL: the test database replaces them.
            host.UseSetting("Database:BootstrapConnectionString", "");
            host.UseSetting("Database:SeedDemoData", "false");
            host.UseSetting("ConnectionStrings:Kanban", appConnectionString);
            host.UseSetting("ConnectionStrings:KanbanIdentity", new Npgsql.NpgsqlConnectionStringBuilder(appConnectionString) { Username = TestDatabase.Roles.Identity }.ConnectionString);
            host.UseSetting("Database:Migrate", "false");
            foreach (var (key, value) in settings) host.UseSetting(key, value);
        });
}

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KanbanBlazor.Tests.Integration;

/// <summary>The real app in memory, as in production, on an already migrated database.</summary>
public static class TestApp
{
    public static WebApplicationFactory<Program> Create(string appConnectionString, params (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Production");
            host.UseSetting("ConnectionStrings:Kanban", appConnectionString);
            host.UseSetting("Database:Migrate", "false");
            foreach (var (key, value) in settings) host.UseSetting(key, value);
        });
}

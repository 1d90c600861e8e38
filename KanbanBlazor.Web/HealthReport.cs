using System.Text.Json;
using KanbanBlazor.Web.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KanbanBlazor.Web;

/// <summary>/healthz: the app answers, and its database answers to the app's own role.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<AccountsDbContext> factory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            return await db.Database.CanConnectAsync(ct)
                ? HealthCheckResult.Healthy("PostgreSQL answers.")
                : HealthCheckResult.Unhealthy("PostgreSQL does not answer.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable.", ex);
        }
    }
}

/// <summary>How many board views this instance keeps live, so an operator can see load and leaks.</summary>
public sealed class LiveBoardsHealthCheck(KanbanBlazor.Web.Features.Board.BoardHub hub) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(HealthCheckResult.Healthy(
            "Open live board views on this instance.",
            new Dictionary<string, object> { ["viewers"] = hub.TotalSubscribers }));
}

public static class HealthReport
{
    public static readonly HealthCheckOptions Options = new()
    {
        ResponseWriter = async (http, report) =>
        {
            http.Response.ContentType = "application/json";
            // Anyone may ask whether the app is healthy (load balancers do); how busy it is, only a
            // signed-in user may see.
            var detailed = http.User.Identity?.IsAuthenticated == true;
            await http.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => detailed
                    ? (object)new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }
                    : new { status = e.Value.Status.ToString() }),
            }));
        },
    };
}

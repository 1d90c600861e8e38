using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace KanbanBlazor.Web.Features.Account;

/// <summary>
/// Password guessing is slowed per client address (RateLimits:SignInPerMinute, default 20 sign-in
/// posts a minute), on top of Identity's per-account lockout after 10 failures.
/// </summary>
public static class SignInRateLimit
{
    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var perMinute = configuration.GetValue("RateLimits:SignInPerMinute", 20);
        return services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals("/account/login", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("not limited"));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync("Too many sign-in attempts from your address. Wait a minute and try again.", ct);
            };
        });
    }
}

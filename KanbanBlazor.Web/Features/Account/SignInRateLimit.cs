using System.Threading.RateLimiting;
using KanbanBlazor.Web.Components;
using Microsoft.AspNetCore.RateLimiting;

namespace KanbanBlazor.Web.Features.Account;

/// <summary>Marks the endpoint whose posts are sign-in attempts (the sign-in page).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SignInRateLimitedAttribute : Attribute;

/// <summary>
/// Password guessing is slowed per client address (RateLimits:SignInPerMinute, default 20 sign-in
/// posts a minute), on top of Identity's per-account lockout after 10 failures. The limit belongs to
/// the endpoint (routing runs first), not to a path string: /ACCOUNT/LOGIN/ is the same endpoint.
/// </summary>
public static class SignInRateLimit
{
    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var perMinute = configuration.GetValue("RateLimits:SignInPerMinute", 20);
        return services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                HttpMethods.IsPost(http.Request.Method) && http.GetEndpoint()?.Metadata.GetMetadata<SignInRateLimitedAttribute>() is not null
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("not limited"));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, _) =>
                await StatusPages.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "RateLimit", "/account/login");
        });
    }
}

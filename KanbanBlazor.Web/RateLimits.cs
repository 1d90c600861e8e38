using System.Threading.RateLimiting;
using KanbanBlazor.Web.Components;
using KanbanBlazor.Web.Features.Api;

namespace KanbanBlazor.Web;

/// <summary>Marks the endpoints whose posts are sign-in attempts (the sign-in page, the API's token endpoint).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SignInRateLimitedAttribute : Attribute;

/// <summary>
/// Two limits, checked together:
/// - Password guessing is slowed per client address (RateLimits:SignInPerMinute, default 20 sign-in
///   posts a minute), on top of Identity's per-account lockout. The limit belongs to the endpoint
///   (routing runs first), not to a path string: /ACCOUNT/LOGIN/ is the same endpoint.
/// - The kanban API is limited per bearer token (RateLimits:ApiPerMinute, default 600 requests a
///   minute), so one integration running wild slows only itself.
/// Refused requests get 429 with Retry-After: the styled page in the browser, problem details in the API.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var signInPerMinute = configuration.GetValue("RateLimits:SignInPerMinute", 20);
        var apiPerMinute = configuration.GetValue("RateLimits:ApiPerMinute", 600);
        return services.AddRateLimiter(options =>
        {
            var signIn = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                HttpMethods.IsPost(http.Request.Method) && http.GetEndpoint()?.Metadata.GetMetadata<SignInRateLimitedAttribute>() is not null
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = signInPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("not limited"));
            // Keyed by the token itself: every token has its own budget, whoever holds it.
            var api = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                ApiTokens.IsBearer(http.Request) && http.Request.Path.StartsWithSegments("/api")
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        http.Request.Headers.Authorization.ToString(),
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = apiPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("not limited"));
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(signIn, api);
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, _) =>
            {
                var http = context.HttpContext;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                if (http.Request.Path.StartsWithSegments("/api"))
                    await ApiProblems.Write(http, StatusCodes.Status429TooManyRequests, "RATE_LIMITED",
                        "Too many requests with this token or from this address; wait for the time in Retry-After.");
                else
                    await StatusPages.WriteAsync(http, StatusCodes.Status429TooManyRequests, "RateLimit", "/account/login");
            };
        });
    }
}

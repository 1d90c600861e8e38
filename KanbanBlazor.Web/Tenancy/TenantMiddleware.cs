namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// Resolves the tenant for every authenticated request. An API caller may name a tenant in
/// X-Tenant-Id (id or slug) as a check, never as a choice: one that is not the signed-in user's
/// current tenant gets 404, and the attempt is logged for audit.
/// </summary>
public sealed class TenantMiddleware(RequestDelegate next, ILogger<TenantMiddleware> logger)
{
    public const string Header = "X-Tenant-Id";

    public async Task InvokeAsync(HttpContext http, TenantResolver resolver, TenantContext context)
    {
        if (http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }

        var tenant = await resolver.ResolveAsync(http.User, http.RequestAborted);
        if (tenant is not null) context.Set(tenant);

        if (http.Request.Headers.TryGetValue(Header, out var asked) &&
            (tenant is null || (asked.ToString() != tenant.TenantId.ToString() && !string.Equals(asked.ToString(), tenant.Slug, StringComparison.OrdinalIgnoreCase))))
        {
            logger.LogWarning("Cross-tenant access refused: user {UserId} asked for tenant {Asked} on {Path}",
                http.User.UserId(), asked.ToString(), http.Request.Path.Value);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await next(http);
    }
}

namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// Resolves the tenant for every authenticated request. An API caller may name a tenant in
/// X-Tenant-Id (id or slug) as a check, never as a choice: one that is not the signed-in user's
/// current tenant gets 403, and the attempt is logged for audit. A bearer-token call of the kanban API
/// must name it.
/// </summary>
public sealed class TenantMiddleware(RequestDelegate next, ILogger<TenantMiddleware> logger)
{
    public const string Header = "X-Tenant-Id";

    /// <summary>Set on a request refused because the user has no membership in their tenant, to the
    /// memberships they do have: its page offers them (switch organisation, or sign out) as plain
    /// HTML, never as a live circuit.</summary>
    public const string NoMembership = "kb.no-membership";

    public async Task InvokeAsync(HttpContext http, TenantResolver resolver, TenantContext context)
    {
        if (http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }

        // A bearer token's membership was read with its stamp (ApiTokens.UseApiTokenChecks); a cookie's is read here.
        var tenant = http.Items.TryGetValue(RequestAccess.ItemKey, out var item) && item is RequestAccess.Checked access
            ? access.Membership
            : await resolver.ResolveAsync(http.User, http.RequestAborted);
        if (tenant is not null) context.Set(tenant);
        else if (IsTenantScoped(http.Request.Path))
        {
            // Signed in, but not (or no longer) a member of the tenant in the cookie.
            logger.LogWarning("User {UserId} has no membership in tenant {Tenant}", http.User.UserId(), http.User.SelectedTenantId());
            http.Items[NoMembership] = http.User.UserId() is { } userId ? await resolver.MembershipsAsync(userId, http.RequestAborted) : [];
            await NotFoundAsync(http);
            return;
        }

        var asked = http.Request.Headers[Header].ToString();
        if (asked.Length == 0 && Features.Api.ApiTokens.IsBearer(http.Request) && http.Request.Path.StartsWithSegments("/api/v1/kanban"))
        {
            await Features.Api.ApiProblems.Write(http, StatusCodes.Status400BadRequest, "TENANT_HEADER_REQUIRED",
                $"Name the organisation in the {Header} header (its slug), as the token was issued for.");
            return;
        }
        if (asked.Length > 0 &&
            (tenant is null || (asked != tenant.TenantId.ToString() && !string.Equals(asked, tenant.Slug, StringComparison.OrdinalIgnoreCase))))
        {
            logger.LogWarning("Cross-tenant access refused: user {UserId} of tenant {Tenant} asked for tenant {Asked} on {Path}",
                http.User.UserId(), tenant?.Slug, asked, http.Request.Path.Value);
            if (http.Request.Path.StartsWithSegments("/api"))
                await Features.Api.ApiProblems.Write(http, StatusCodes.Status403Forbidden, "WRONG_TENANT",
                    $"These credentials are for another organisation than '{asked}'.");
            else
                await NotFoundAsync(http);
            return;
        }
        await next(http);
    }

    private static Task NotFoundAsync(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/api"))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound; // the not-found page is rendered by status-code re-execution
            return Task.CompletedTask;
        }
        return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
            detail: new TenantNotFoundException().Message).ExecuteAsync(http);
    }

    private static bool IsTenantScoped(PathString path) =>
        path.StartsWithSegments("/board") || path.StartsWithSegments("/api");
}

using System.Security.Claims;
using KanbanBlazor.Core.Access;

namespace KanbanBlazor.Web.Tenancy;

/// <summary>Who is acting, in which tenant, with which role there. Resolved from the signed-in user's
/// membership (never from what the client asks for), fixed for a request or a circuit.</summary>
public sealed record CurrentTenant(Guid TenantId, string Slug, string Name, Guid UserId, string UserDisplayName, TenantRole Role);

public static class TenantClaims
{
    /// <summary>The tenant the user is working in; set at sign-in and by switching, checked against
    /// the membership on every resolution.</summary>
    public const string TenantId = "kb:tenant";

    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static Guid? SelectedTenantId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(TenantId), out var id) ? id : null;
}

/// <summary>Thrown when the user has no membership in the tenant they are working in: answered with 404.</summary>
public sealed class TenantNotFoundException() : Exception("The organisation was not found, or you are not a member of it.");

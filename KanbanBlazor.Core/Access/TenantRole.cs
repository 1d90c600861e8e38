namespace KanbanBlazor.Core.Access;

/// <summary>A user's role within one tenant; the same user may hold different roles in different tenants.</summary>
public enum TenantRole
{
    Viewer = 0,
    SalesRep = 1,
    Manager = 2,
    Admin = 3,
}

public static class TenantRoles
{
    public static bool TryParse(string? value, out TenantRole role) =>
        Enum.TryParse(value, ignoreCase: true, out role) && Enum.IsDefined(role);

    public static string DisplayName(this TenantRole role) => role switch
    {
        TenantRole.SalesRep => "Sales rep",
        _ => role.ToString(),
    };
}

/// <summary>What a role may do on a board. Sales reps work their own (assigned) records.</summary>
public static class BoardPermissions
{
    public static bool CanMoveAnyCard(TenantRole role) => role is TenantRole.Admin or TenantRole.Manager;

    public static bool CanMoveCard(TenantRole role, Guid userId, Guid? cardOwnerId) =>
        CanMoveAnyCard(role) || (role == TenantRole.SalesRep && cardOwnerId == userId);

    public static bool CanMoveSomeCards(TenantRole role) => role != TenantRole.Viewer;

    /// <summary>May move a card past a stage's hard WIP limit, giving a reason (which is recorded).</summary>
    public static bool CanOverrideWip(TenantRole role) => role is TenantRole.Admin or TenantRole.Manager;
}

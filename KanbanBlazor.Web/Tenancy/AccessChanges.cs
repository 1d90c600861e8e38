namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// Something about a user's access changed: their membership of <see cref="TenantId"/> was added,
/// changed or removed, or (no tenant) the user's sessions ended (sign-out, password change,
/// deactivation: a new security stamp). <see cref="Everyone"/>: changes may have been missed (the
/// listener was disconnected), so every open session checks its access again.
/// </summary>
public sealed record AccessChange(Guid? UserId, Guid? TenantId)
{
    public static readonly AccessChange Everyone = new(null, null);

    public bool IsEveryone => UserId is null;

    /// <summary>The user's sessions ended, in every tenant.</summary>
    public bool EndsSessions => UserId is not null && TenantId is null;

    public bool Concerns(Guid userId) => UserId is null || UserId == userId;
}

/// <summary>
/// This instance's channel for access changes. PostgreSQL tells every instance of every change as it
/// commits (<see cref="AccessChangeListener"/>); a sign-out on this instance is also published at
/// once. Open circuits listen: the authentication state ends sessions, the board hub drops the
/// subscriptions of removed members and tells demoted ones of their new role.
/// </summary>
public sealed class AccessChanges(ILogger<AccessChanges> logger)
{
    public event Action<AccessChange>? Changed;

    public void Publish(AccessChange change)
    {
        foreach (var handler in Changed?.GetInvocationList().Cast<Action<AccessChange>>() ?? [])
        {
            try
            {
                handler(change);
            }
            catch (Exception ex)
            {
                // One listener's failure must not keep the change from the others.
                logger.LogWarning(ex, "Handling access change {Change} failed", change);
            }
        }
    }
}

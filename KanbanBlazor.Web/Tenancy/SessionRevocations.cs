namespace KanbanBlazor.Web.Tenancy;

/// <summary>
/// Tells this instance's open circuits that a user's sessions have ended (they signed out, or their
/// security stamp changed): each circuit of that user turns anonymous at once, so its page leaves
/// for the sign-in page and its board stops. Requests are refused by the security-stamp check on
/// every request; this is the push for what is already open.
/// </summary>
public sealed class SessionRevocations
{
    public event Action<Guid>? Revoked;

    public void Revoke(Guid userId) => Revoked?.Invoke(userId);
}

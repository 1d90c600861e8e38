using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KanbanBlazor.Web.Features.Users;

/// <summary>One of the tenant's people as an Admin sees them.</summary>
public sealed record Person(Guid UserId, string Name, string? Email, TenantRole Role, DateTimeOffset Since, DateTimeOffset? DeactivatedAt)
{
    public bool IsActive => DeactivatedAt is null;
}

/// <summary>One audited change to the tenant's people.</summary>
public sealed record AuditLine(DateTimeOffset At, string? Actor, string Action, string? Subject, IReadOnlyDictionary<string, string> Details);

public enum PeopleOutcome
{
    Done,
    Unchanged,
    NotPermitted,
    NotFound,
    LastAdmin,
    AlreadyMember,
    Invalid,
}

/// <param name="Problems">field → problem code (email, name, role, password), when invalid</param>
/// <param name="NewAccount">an invitation that created an account (with the password given), rather than adding someone who had one</param>
public sealed record PeopleResult(PeopleOutcome Outcome, IReadOnlyDictionary<string, string>? Problems = null, bool NewAccount = false, IReadOnlyList<string>? PasswordProblems = null);

/// <summary>
/// The tenant's people, for Admins: who they are, inviting someone with a role, changing a role,
/// deactivating and reactivating. The changes are made by database functions (migration
/// UserAdministration) that check, under a lock on the tenant's Admins, that the actor is an active
/// Admin there and that an active Admin remains, and audit each change in the same transaction; the
/// serving role cannot write memberships itself. Every open circuit of the person hears of it as it
/// commits (AccessChangeListener): a deactivated member's boards close at once, and when they have no
/// other organisation their account is locked and every session of theirs ends.
/// </summary>
public sealed class TenantPeople(
    IDbContextFactory<KanbanDbContext> boards,
    IDbContextFactory<AccountsDbContext> accounts,
    UserManager<AppUser> users,
    ILogger<TenantPeople> logger)
{
    public const int NameLength = 100;
    public const int EmailLength = 256;

    public async Task<IReadOnlyList<Person>> ListAsync(CurrentTenant actor, CancellationToken ct)
    {
        if (actor.Role != TenantRole.Admin) return [];
        await using var db = await accounts.CreateDbContextAsync(ct);
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.TenantId == actor.TenantId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, m.DisplayName, u.Email, m.Role, m.CreatedAt, m.DeactivatedAt })
            .OrderBy(r => r.DeactivatedAt != null).ThenBy(r => r.DisplayName)
            .ToListAsync(ct);
        return rows.Select(r => new Person(r.UserId, r.DisplayName, r.Email, TenantRoles.TryParse(r.Role, out var role) ? role : TenantRole.Viewer, r.CreatedAt, r.DeactivatedAt)).ToList();
    }

    /// <summary>The latest changes to the tenant's people, newest first.</summary>
    public async Task<IReadOnlyList<AuditLine>> AuditAsync(CurrentTenant actor, int limit, CancellationToken ct)
    {
        if (actor.Role != TenantRole.Admin) return [];
        await using var db = await boards.CreateForTenantAsync(actor.TenantId, ct);
        var rows = await db.Audit.AsNoTracking().OrderByDescending(a => a.Id).Take(limit).ToListAsync(ct);
        var names = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.UserId, m => m.DisplayName, ct);
        return rows.Select(r => new AuditLine(r.At, r.ActorId is { } a ? names.GetValueOrDefault(a) : null, r.Action,
            r.SubjectId is { } s ? names.GetValueOrDefault(s) : null, Details(r.Details))).ToList();
    }

    public async Task<PeopleResult> InviteAsync(CurrentTenant actor, string? email, string? name, TenantRole role, string? password, CancellationToken ct)
    {
        email = email?.Trim() ?? "";
        name = name?.Trim() ?? "";
        var problems = new Dictionary<string, string>();
        if (email.Length == 0) problems["email"] = "required";
        else if (email.Length > EmailLength || !new EmailAddressAttribute().IsValid(email) || email.Any(char.IsWhiteSpace)) problems["email"] = "email";
        if (name.Length == 0) problems["name"] = "required";
        else if (name.Length > NameLength || name.Any(char.IsControl)) problems["name"] = "too_long";

        var user = new AppUser
        {
            Id = Guid.CreateVersion7(), UserName = email, Email = email, DisplayName = name,
            NormalizedEmail = users.NormalizeEmail(email), NormalizedUserName = users.NormalizeName(email), SecurityStamp = Guid.NewGuid().ToString("N"),
        };
        var passwordProblems = new List<string>();
        if (string.IsNullOrEmpty(password)) problems["password"] = "required";
        else
            foreach (var validator in users.PasswordValidators)
                if (await validator.ValidateAsync(users, user, password) is { Succeeded: false } failed)
                    passwordProblems.AddRange(failed.Errors.Select(e => e.Code));
        if (passwordProblems.Count > 0) problems["password"] = "weak";
        if (problems.Count > 0) return new PeopleResult(PeopleOutcome.Invalid, problems, PasswordProblems: passwordProblems);

        return await RunAsync(actor, "SELECT member_id, created FROM kanban_invite_member($1, $2, $3, $4, $5, $6, $7, $8)",
            [actor.UserId, user.Id, email, user.NormalizedEmail!, name, role.ToString(), users.PasswordHasher.HashPassword(user, password!), user.SecurityStamp],
            reader => reader.GetBoolean(1), created => new PeopleResult(PeopleOutcome.Done, NewAccount: created), ct);
    }

    public Task<PeopleResult> ChangeRoleAsync(CurrentTenant actor, Guid userId, TenantRole role, CancellationToken ct) =>
        RunAsync(actor, "SELECT kanban_set_member_role($1, $2, $3)", [actor.UserId, userId, role.ToString()],
            reader => reader.GetBoolean(0), changed => new PeopleResult(changed ? PeopleOutcome.Done : PeopleOutcome.Unchanged), ct);

    public Task<PeopleResult> SetActiveAsync(CurrentTenant actor, Guid userId, bool active, CancellationToken ct) =>
        RunAsync(actor, "SELECT kanban_set_member_active($1, $2, $3)", [actor.UserId, userId, active],
            reader => reader.GetBoolean(0), changed => new PeopleResult(changed ? PeopleOutcome.Done : PeopleOutcome.Unchanged), ct);

    private async Task<PeopleResult> RunAsync<T>(CurrentTenant actor, string sql, object[] arguments, Func<NpgsqlDataReader, T> read,
        Func<T, PeopleResult> answer, CancellationToken ct)
    {
        await using var db = await boards.CreateForTenantAsync(actor.TenantId, ct);
        // In a transaction the context begins: that is what sets the tenant for it (TenantConnectionInterceptor).
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
        foreach (var argument in arguments) command.Parameters.Add(new NpgsqlParameter { Value = argument });
        try
        {
            T value;
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                value = read(reader);
            }
            await tx.CommitAsync(ct);
            var result = answer(value);
            logger.LogInformation("People of tenant {TenantId} changed by {UserId}: {Outcome}", actor.TenantId, actor.UserId, result.Outcome);
            return result;
        }
        catch (PostgresException ex) when (ex.SqlState is "KB403" or "KB404" or "KB409" or "KB410")
        {
            logger.LogInformation("A change to the people of tenant {TenantId} by {UserId} was refused: {Reason}", actor.TenantId, actor.UserId, ex.MessageText);
            return new PeopleResult(ex.SqlState switch
            {
                "KB403" => PeopleOutcome.NotPermitted,
                "KB404" => PeopleOutcome.NotFound,
                "KB409" => PeopleOutcome.LastAdmin,
                _ => PeopleOutcome.AlreadyMember,
            });
        }
    }

    private static IReadOnlyDictionary<string, string> Details(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
    }
}

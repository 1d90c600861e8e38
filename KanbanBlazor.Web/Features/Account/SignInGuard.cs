using KanbanBlazor.Web.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace KanbanBlazor.Web.Features.Account;

/// <summary>
/// Checks a password without telling a guesser anything, and without letting a guesser lock the
/// owner out:
/// <list type="bullet">
/// <item>an unknown email costs the same password-hash work as a known one, and every failure,
/// locked out or not, gets the same message;</item>
/// <item>Identity's lockout (5 failures, then 5 minutes) stops guessing from new devices, but a
/// device the user has signed in on before (a signed, HttpOnly "known device" cookie for that user)
/// is not held to it: the right password there signs in and clears the lockout. So someone guessing
/// from elsewhere slows down, and the owner on their usual device never notices.</item>
/// <item>A deactivated user (locked out for longer than a day: README, "Sessions and access") is
/// refused everywhere, known device or not, with the same answer.</item>
/// </list>
/// </summary>
public sealed class SignInGuard(UserManager<AppUser> users, IPasswordHasher<AppUser> hasher, IDataProtectionProvider protection, TimeProvider clock)
{
    public const string DeviceCookie = "kb.device";
    private static readonly AppUser Nobody = new() { Id = Guid.Empty, DisplayName = "nobody" };
    private static string? nobodysHash;
    private readonly IDataProtector devices = protection.CreateProtector("KanbanBlazor.KnownDevice");

    /// <returns>the user whose password this is, or null (unknown, wrong, or locked out on a new device)</returns>
    public async Task<AppUser?> CheckAsync(HttpContext http, string email, string password)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            // As much work as checking a real password, so that response times do not tell.
            nobodysHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString());
            hasher.VerifyHashedPassword(Nobody, nobodysHash, password);
            return null;
        }
        if (IsDeactivated(user))
        {
            hasher.VerifyHashedPassword(user, user.PasswordHash ?? "", password); // same work, same answer
            return null;
        }
        if (IsKnownDevice(http, user.Id))
        {
            if (!await users.CheckPasswordAsync(user, password))
            {
                await users.AccessFailedAsync(user);
                return null;
            }
            await users.ResetAccessFailedCountAsync(user);
            if (await users.IsLockedOutAsync(user)) await users.SetLockoutEndDateAsync(user, null);
            return user;
        }
        if (await users.IsLockedOutAsync(user))
        {
            hasher.VerifyHashedPassword(user, user.PasswordHash ?? "", password); // same work, same answer
            return null;
        }
        if (await users.CheckPasswordAsync(user, password))
        {
            await users.ResetAccessFailedCountAsync(user);
            return user;
        }
        await users.AccessFailedAsync(user);
        return null;
    }

    private bool IsDeactivated(AppUser user) => user.LockoutEnd is { } end && end > clock.GetUtcNow().AddDays(1);

    /// <summary>Remembers this browser as one <paramref name="userId"/> has signed in on.</summary>
    public void RememberDevice(HttpContext http, Guid userId) =>
        http.Response.Cookies.Append(DeviceCookie, devices.Protect($"{userId:N}"), new CookieOptions
        {
            Expires = clock.GetUtcNow().AddDays(180), HttpOnly = true, IsEssential = true,
            SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps,
        });

    private bool IsKnownDevice(HttpContext http, Guid userId)
    {
        if (http.Request.Cookies[DeviceCookie] is not { Length: > 0 } cookie) return false;
        try
        {
            return devices.Unprotect(cookie) == $"{userId:N}";
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false; // forged or from another key ring
        }
    }
}

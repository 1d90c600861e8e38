using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using KanbanBlazor.Core.Access;
using KanbanBlazor.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Sign-in tells a guesser nothing, and a guesser cannot keep the owner out.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SignInGuardTests(TestDatabase database)
{
    private const string Password = "Right-password-1";

    internal const string UserPassword = Password;

    internal static async Task<string> SignInUserAsync(WebApplicationFactory<Program> app, TestTenant tenant, TenantRole role = TenantRole.SalesRep)
    {
        var member = tenant.As(role);
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(member.UserId.ToString()) ?? throw new InvalidOperationException();
        // The test tenant's users were inserted as rows; give this one what Identity sets on creation.
        user.SecurityStamp = Guid.NewGuid().ToString();
        user.NormalizedEmail = users.NormalizeEmail(user.Email);
        user.NormalizedUserName = users.NormalizeName(user.UserName);
        user.LockoutEnabled = true;
        Assert.True((await users.AddPasswordAsync(user, Password)).Succeeded);
        return user.Email!;
    }

    private static HttpClient Client(WebApplicationFactory<Program> app) => Client(app, new CookieContainer());

    private static HttpClient Client(WebApplicationFactory<Program> app, CookieContainer jar)
    {
        var client = app.CreateDefaultClient(new CookieJar(jar));
        return client;
    }

    /// <summary>A browser's cookies, kept where the test can reach them.</summary>
    internal sealed class CookieJar(CookieContainer jar) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var header = jar.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0) request.Headers.Add("Cookie", header);
            var response = await base.SendAsync(request, ct);
            if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
                foreach (var cookie in cookies) jar.SetCookies(request.RequestUri!, cookie);
            return response;
        }
    }

    /// <returns>the status, and the error the page shows (null when signed in)</returns>
    internal static async Task<(HttpStatusCode Status, string? Error)> PostAsync(HttpClient client, string email, string password)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = email, ["Input.Password"] = password, ["_handler"] = "login", ["__RequestVerificationToken"] = token,
        }));
        var body = await response.Content.ReadAsStringAsync();
        // The sign-in page's own alert (the page also holds the reconnect dialog's hidden ones).
        var error = Regex.Match(body, "class=\"mud-alert-message\"[^>]*>([^<]+)<");
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK && error.Success ? error.Groups[1].Value.Trim() : null);
    }

    [Fact]
    public async Task An_unknown_email_and_a_wrong_password_get_the_same_answer()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var email = await SignInUserAsync(app, await database.CreateTenantAsync(cardsPerStage: 0));
        var client = Client(app);

        var wrong = await PostAsync(client, email, "wrong-password");
        var unknown = await PostAsync(client, "nobody-" + email, "wrong-password");
        Assert.Equal(wrong, unknown);
        Assert.StartsWith("The email or password is not right.", wrong.Error);

    }

    [Fact]
    public async Task An_unknown_email_costs_the_same_password_hash_work_as_a_wrong_password()
    {
        // The time a sign-in takes is the password hash (PBKDF2, hundreds of thousands of rounds);
        // counting verifications says what timing would, without timing a busy machine.
        var hashes = new CountingHasher();
        await using var app = TestApp.Create(database.AppConnectionString)
            .WithWebHostBuilder(host => host.ConfigureServices(services => services.AddSingleton<IPasswordHasher<AppUser>>(hashes)));
        var email = await SignInUserAsync(app, await database.CreateTenantAsync(cardsPerStage: 0));
        var client = Client(app);

        async Task<int> VerificationsAsync(string who)
        {
            var before = hashes.Verifications;
            await PostAsync(client, who, "wrong-password");
            return hashes.Verifications - before;
        }
        var known = await VerificationsAsync(email);
        Assert.Equal(1, known);
        Assert.Equal(known, await VerificationsAsync("stranger-" + email));
    }

    private sealed class CountingHasher : IPasswordHasher<AppUser>
    {
        private readonly PasswordHasher<AppUser> inner = new();
        private int verifications;

        public int Verifications => Volatile.Read(ref verifications);

        public string HashPassword(AppUser user, string password) => inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref verifications);
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [Fact]
    public async Task Guessing_locks_out_new_devices_with_the_same_answer_but_not_the_owners_known_device()
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var email = await SignInUserAsync(app, await database.CreateTenantAsync(cardsPerStage: 0));
        var ownersBrowser = new CookieContainer();
        var owner = Client(app, ownersBrowser);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync(owner, email, Password)).Status); // the owner's device, known from now on
        // Later the owner's sign-in has ended; the browser still holds only what it keeps for long.
        foreach (Cookie cookie in ownersBrowser.GetCookies(new Uri("http://localhost/")))
            if (cookie.Name != "kb.device") cookie.Expired = true;

        var guesser = Client(app);
        for (var i = 0; i < 5; i++) await PostAsync(guesser, email, $"guess-{i}");

        // Locked: even the right password from a new device gets the usual answer, not "locked".
        var fromNewDevice = await PostAsync(Client(app), email, Password);
        Assert.Equal(HttpStatusCode.OK, fromNewDevice.Status);
        Assert.StartsWith("The email or password is not right.", fromNewDevice.Error);

        // The owner, on the device they signed in on before, is not kept out by someone else's guessing.
        var fromKnownDevice = await PostAsync(Client(app, ownersBrowser), email, Password);
        Assert.Equal(HttpStatusCode.Redirect, fromKnownDevice.Status);
        Assert.Null(fromKnownDevice.Error);
    }
}

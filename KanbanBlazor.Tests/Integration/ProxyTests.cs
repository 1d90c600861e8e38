using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>
/// Behind a TLS-terminating proxy: X-Forwarded-Proto is believed only from a configured proxy, and
/// the auth cookie is Secure exactly when the request was HTTPS.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ProxyTests(TestDatabase database)
{
    private const string Proxy = "10.20.30.40";

    [Theory]
    [InlineData(Proxy, "https", true)]        // the proxy says the browser used HTTPS: Secure cookie
    [InlineData(Proxy, null, false)]          // plain HTTP through the proxy
    [InlineData("10.99.99.99", "https", false)] // anyone else claiming HTTPS is not believed
    public async Task The_auth_cookie_is_secure_only_when_a_known_proxy_says_the_request_was_https(string from, string? forwardedProto, bool secure)
    {
        await using var app = TestApp.Create(database.AppConnectionString, ("ReverseProxy:KnownProxies", Proxy))
            .WithWebHostBuilder(host => host.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new ArrivingFrom(IPAddress.Parse(from)))));
        var email = await SignInGuardTests.SignInUserAsync(app, await database.CreateTenantAsync(cardsPerStage: 0));
        var cookies = new SetCookies();
        var client = app.CreateDefaultClient(new SignInGuardTests.CookieJar(new CookieContainer()), cookies);
        if (forwardedProto is not null) client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);

        var (status, error) = await SignInGuardTests.PostAsync(client, email, SignInGuardTests.UserPassword);

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Null(error);
        var auth = Assert.Single(cookies.Seen, c => c.StartsWith("kanban.auth=", StringComparison.Ordinal));
        Assert.Equal(secure, auth.Split(';').Any(part => part.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Every request arrives from <paramref name="address"/>, as over a real network.</summary>
    private sealed class ArrivingFrom(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = address;
                return following(context);
            });
            next(app);
        };
    }

    private sealed class SetCookies : DelegatingHandler
    {
        public List<string> Seen { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (response.Headers.TryGetValues("Set-Cookie", out var cookies)) Seen.AddRange(cookies);
            return response;
        }
    }
}

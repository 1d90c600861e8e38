using System.Net;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

[Collection(DatabaseCollection.Name)]
public sealed class SignInRateLimitTests(TestDatabase database)
{
    [Fact]
    public async Task Sign_in_posts_beyond_the_limit_from_one_address_are_refused_with_429_and_a_reason()
    {
        await using var app = TestApp.Create(database.AppConnectionString, ("RateLimits:SignInPerMinute", "3"));
        var client = app.CreateClient();
        var form = () => new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = "rep@acme.demo", ["Input.Password"] = "guess", ["_handler"] = "login" });

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++) answers.Add((await client.PostAsync("/account/login", form())).StatusCode);
        var refused = await client.PostAsync("/account/login", form());

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, answers.Take(3));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[3]);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        // A page in the app's look, in the visitor's language, not a line of plain text.
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1 class=\"mud-typography mud-typography-h5\">Too many sign-in attempts</h1>", page);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.css", page);
        Assert.Contains("href=\"/account/login\"", page);
        var portuguese = new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = form() };
        portuguese.Headers.AcceptLanguage.ParseAdd("pt-BR");
        Assert.Contains("Tentativas de entrada demais", await (await client.SendAsync(portuguese)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode); // reading the page is not limited
    }

    [Theory]
    [InlineData("/account/login/")]
    [InlineData("/ACCOUNT/LOGIN/")]
    [InlineData("/account/login/.")]
    [InlineData("/Account/Login")]
    public async Task The_limit_belongs_to_the_sign_in_endpoint_whatever_the_spelling_of_its_path(string path)
    {
        await using var app = TestApp.Create(database.AppConnectionString, ("RateLimits:SignInPerMinute", "2"));
        var client = app.CreateClient();
        var form = () => new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = "rep@acme.demo", ["Input.Password"] = "guess", ["_handler"] = "login" });
        for (var i = 0; i < 2; i++) Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.PostAsync("/account/login", form())).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync(path, form())).StatusCode);
    }
}

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
        Assert.Contains("Too many sign-in attempts", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode); // reading the page is not limited
    }
}

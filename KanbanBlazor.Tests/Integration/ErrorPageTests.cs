using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

/// <summary>Bad input gets a page a person understands, never a 500 or a stack trace, including the
/// way ./run.sh runs the app (Development).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ErrorPageTests(TestDatabase database)
{
    private static async Task<string> AntiforgeryTokenAsync(HttpClient client)
    {
        var page = await client.GetStringAsync("/account/login");
        return Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"|value=\"([^\"]+)\"[^>]*name=\"__RequestVerificationToken\"") is { Success: true } m
            ? (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            : throw new InvalidOperationException("The sign-in page has no antiforgery token.");
    }

    private static FormUrlEncodedContent SignInForm(string email, string token) => new(new Dictionary<string, string>
    {
        ["Input.Email"] = email, ["Input.Password"] = "whatever", ["_handler"] = "login", ["__RequestVerificationToken"] = token,
    });

    [Theory]
    [InlineData("maybe")]
    [InlineData("1e9")]
    [InlineData("true")]
    public async Task A_malformed_query_value_on_the_sign_in_page_is_not_an_error(string value)
    {
        await using var app = TestApp.Create(database.AppConnectionString);
        var response = await app.CreateClient().GetAsync($"/account/login?signedOut={value}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1 class=\"mud-typography mud-typography-h5\">Sign in</h1>", page);
        Assert.Equal(value == "true", page.Contains("You have signed out."));
    }

    [Fact]
    public async Task A_form_with_a_bad_antiforgery_token_gets_a_400_page_in_words_even_as_run_sh_runs_the_app()
    {
        await using var app = TestApp.Create("Development", database.AppConnectionString);
        var client = app.CreateClient();
        await AntiforgeryTokenAsync(client);

        var response = await client.PostAsync("/account/login", SignInForm("rep@acme.demo", "not-a-token"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("That form could not be accepted", page);
        Assert.Contains("_content/MudBlazor/MudBlazor.min.css", page);
        Assert.DoesNotContain("   at ", page);
        Assert.DoesNotContain("Exception", page);
    }

    [Fact]
    public async Task A_stray_nul_character_in_the_form_gets_a_page_in_words_not_a_stack_trace()
    {
        await using var app = TestApp.Create("Development", database.AppConnectionString);
        var client = app.CreateClient();
        var token = await AntiforgeryTokenAsync(client);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/account/login", SignInForm("rep@acme.demo", token))).StatusCode);

        // ASP.NET Core will not read a form holding a NUL, so its token is not found either: 400.
        var response = await client.PostAsync("/account/login", SignInForm("rep\0@acme.demo", token));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("That form could not be accepted", page);
        Assert.DoesNotContain("   at ", page);
    }
}

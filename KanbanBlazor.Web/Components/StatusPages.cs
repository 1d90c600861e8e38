using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KanbanBlazor.Web.Components;

/// <summary>Styled answers for requests that middleware turns away before a page handles them.</summary>
public static class StatusPages
{
    public static Task WriteAsync(HttpContext http, int statusCode, string kind, string backTo) =>
        new RazorComponentResult<StatusPage>(new { Kind = kind, BackTo = backTo }) { StatusCode = statusCode }.ExecuteAsync(http);

    /// <summary>
    /// A form post whose antiforgery token is missing or wrong (an expired page, a forged post)
    /// answers 400 with a page that says so in words; left alone, the framework would answer in a
    /// line of plain English text. The API answers problem details instead.
    /// </summary>
    public static IApplicationBuilder UseBadFormPage(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false } && !http.Request.Path.StartsWithSegments("/api"))
        {
            await WriteAsync(http, StatusCodes.Status400BadRequest, "BadForm", http.Request.Path.StartsWithSegments("/account/login") ? "/account/login" : "/");
            return;
        }
        await next(http);
    });
}

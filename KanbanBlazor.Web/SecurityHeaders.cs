namespace KanbanBlazor.Web;

/// <summary>
/// Response headers every page and API answer carries. The content security policy allows only this
/// origin's scripts (no inline script, no eval), styles from this origin plus inline style attributes
/// (which Blazor and MudBlazor components set; the theme provider writes a style element), and the circuit's WebSocket back to this origin.
/// A component library that needs more must be allowed here, deliberately.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return Task.CompletedTask;
        });
        await next(http);
    });
}

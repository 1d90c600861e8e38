using System.Text.Json;

namespace KanbanBlazor.Web.Features.Api;

/// <summary>
/// How the API says no: RFC 7807 problem details with a machine-readable <c>code</c> (WIP_HARD_LIMIT,
/// STALE_VERSION, …) beside the human <c>detail</c>. Request bodies are read here, so that malformed
/// JSON, a wrong type or a missing field answers 400 with where and what, before anything is written.
/// </summary>
public static class ApiProblems
{
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // `required` members and constructor parameters must be present; unknown members are refused
        // rather than silently ignored (a misspelt "reason" would otherwise vanish).
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static IResult Result(int status, string code, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>()) all[key] = value;
        return Results.Problem(statusCode: status, title: TitleOf(status), detail: detail, extensions: all);
    }

    public static Task Write(HttpContext http, int status, string code, string detail) => Result(status, code, detail).ExecuteAsync(http);

    public static async Task<(T? Body, IResult? Problem)> ReadJsonAsync<T>(HttpContext http) where T : class
    {
        if (!(http.Request.HasJsonContentType()))
            return (null, Result(StatusCodes.Status415UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON (Content-Type: application/json)."));
        if (http.Request.ContentLength > MaxBodyBytes)
            return (null, Result(StatusCodes.Status413PayloadTooLarge, "BODY_TOO_LARGE", $"The body may be at most {MaxBodyBytes / 1024} KB."));
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, Json, http.RequestAborted);
            return body is null
                ? (null, Result(StatusCodes.Status400BadRequest, "INVALID_JSON", "The body is empty; send a JSON object."))
                : (body, null);
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
            return (null, Result(StatusCodes.Status400BadRequest, "INVALID_JSON", $"The body is not valid for this request{where}: {Plain(e.Message)}"));
        }
    }

    /// <summary>The API's exception handler: a malformed request gets 400 with its reason; the database
    /// out of reach (restarting, or PgBouncer waiting for it) gets 503 with Retry-After. That says "not
    /// confirmed", not "not saved": a commit whose answer was lost with the connection may have landed (a
    /// retry then gets 409 naming it). Anything else gets 500 with no detail of ours (the log has it), never a stack trace.</summary>
    public static Task WriteExceptionAsync(HttpContext http)
    {
        var error = http.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
        if (error is BadHttpRequestException bad) return Write(http, bad.StatusCode, "BAD_REQUEST", bad.Message);
        if (Data.DatabaseFailures.IsUnavailable(error))
        {
            http.Response.Headers.RetryAfter = "5";
            return Write(http, StatusCodes.Status503ServiceUnavailable, "DATABASE_UNAVAILABLE",
                "The database cannot be reached just now, so this request was not confirmed. Try again in a few seconds; a move that did reach the board before the database went away answers 409 with who moved the card where.");
        }
        return Write(http, StatusCodes.Status500InternalServerError, "INTERNAL_ERROR",
            "Something went wrong on our side. Try again; if it keeps happening, tell your administrator.");
    }

    /// <summary>System.Text.Json's message in the caller's terms (field names, not .NET types).</summary>
    private static string Plain(string message)
    {
        if (message.Contains("could not be converted", StringComparison.Ordinal)) return "the value has the wrong type.";
        if (message.Contains("could not be mapped", StringComparison.Ordinal)) return "there is no such field.";
        if (message.IndexOf("missing required properties including: ", StringComparison.Ordinal) is var at and >= 0)
            return "missing required fields: " + message[(at + "missing required properties including: ".Length)..].Replace("'", "").TrimEnd('.') + ".";
        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("non-nullable", StringComparison.OrdinalIgnoreCase))
            return "this field cannot be null.";
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable entity",
        423 => "Locked",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => "Error",
    };
}

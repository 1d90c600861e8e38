using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KanbanBlazor.Web.Features.Api;

/// <summary>
/// What the generated OpenAPI document cannot know by itself: the API's title and how to call it, the
/// bearer-token scheme every kanban operation needs, and the X-Tenant-Id header each one carries. Only
/// the API is described (not the sign-in form or other browser endpoints).
/// </summary>
public sealed class ApiDocument : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "KanbanBlazor API",
            Version = "v1",
            Description = "Boards, moves, undo and redo, configuration, edit locks and the event log of one organisation. " +
                "Get a token from POST /api/v1/auth/token, then send `Authorization: Bearer <token>` and `X-Tenant-Id: <organisation slug>` " +
                "on every /api/v1/kanban request. Errors are RFC 7807 problem details with a machine-readable `code`.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A token from POST /api/v1/auth/token.",
        };

        foreach (var path in document.Paths.Keys.Where(p => !p.StartsWith("/api/")).ToList()) document.Paths.Remove(path);
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/v1/kanban", StringComparison.Ordinal) || item.Operations is null) continue;
            foreach (var operation in item.Operations.Values)
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] }];
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "X-Tenant-Id",
                    In = ParameterLocation.Header,
                    Required = true,
                    Description = "The organisation's slug (the one the token was issued for).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        }
        return Task.CompletedTask;
    }
}

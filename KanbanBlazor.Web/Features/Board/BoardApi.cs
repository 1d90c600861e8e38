using KanbanBlazor.Web.Tenancy;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>REST access to boards (/api/v1/kanban). The tenant comes from the signed-in user; an
/// X-Tenant-Id header may only confirm it (TenantMiddleware answers 404 otherwise).</summary>
public static class BoardApi
{
    public static void MapBoardApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/kanban").RequireAuthorization();

        api.MapGet("/{entityType}", async (string entityType, TenantContext tenants, LoadBoard load, CancellationToken ct) =>
        {
            CurrentTenant tenant;
            KanbanBlazor.Core.Boards.BoardState? board;
            try
            {
                tenant = await tenants.GetAsync(ct);
                board = await load.ExecuteAsync(tenant, entityType, ct);
            }
            catch (TenantNotFoundException)
            {
                return Results.NotFound();
            }
            if (board is null) return Results.Problem(statusCode: 404, title: $"There is no {entityType} board.");
            return Results.Ok(new
            {
                tenant = tenant.Slug,
                entityType = board.EntityType,
                sequence = board.Sequence,
                stages = board.Stages.Select(s => new
                {
                    s.Key,
                    s.Name,
                    outcome = s.Outcome.ToString(),
                    cards = board.CardsIn(s.Key),
                }),
            });
        });
    }
}

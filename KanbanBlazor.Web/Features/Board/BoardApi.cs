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

        // The board checked against its own event log (sequence gaps, cards not where their latest
        // move put them, shared ordering keys). Admins only.
        api.MapGet("/consistency/{entityType}", async (string entityType, TenantContext tenants, VerifyBoard verify, CancellationToken ct) =>
        {
            CurrentTenant tenant;
            try
            {
                tenant = await tenants.GetAsync(ct);
            }
            catch (TenantNotFoundException)
            {
                return Results.NotFound();
            }
            if (tenant.Role != KanbanBlazor.Core.Access.TenantRole.Admin)
                return Results.Problem(statusCode: 403, title: "Forbidden", detail: "Only an Admin may check a board's consistency.");
            var report = await verify.ExecuteAsync(tenant.TenantId, entityType, ct);
            return report is null
                ? Results.Problem(statusCode: 404, title: $"There is no {entityType} board.")
                : Results.Ok(new
                {
                    report.EntityType,
                    report.Sequence,
                    report.Cards,
                    report.Events,
                    consistent = report.IsConsistent,
                    drift = report.Drift.Select(d => new { kind = d.Kind.ToString(), d.Detail, d.CardId, d.Sequence }),
                });
        });
    }
}

using KanbanBlazor.Web.Data;
using KanbanBlazor.Web.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Features.Metrics;

/// <summary>
/// Keeps each move refused at a hard WIP limit (<c>kanban_wip_blocks</c>), for the metrics' WIP table:
/// a refusal writes nothing to the board or its log. Written after the refusal, on its own connection;
/// a failure to keep it is logged and never changes what the mover is told.
/// </summary>
public sealed class WipBlocks(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock, ILogger<WipBlocks> logger)
{
    public async Task RecordAsync(CurrentTenant actor, string entityType, string stage, CancellationToken ct)
    {
        try
        {
            await using var db = await factory.CreateForTenantAsync(actor.TenantId, ct);
            db.WipBlocks.Add(new WipBlock { TenantId = actor.TenantId, EntityType = entityType, Stage = stage, UserId = actor.UserId, At = clock.GetUtcNow() });
            await db.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "A WIP block on stage {Stage} of board {EntityType} could not be kept for the metrics", stage, entityType);
        }
    }
}

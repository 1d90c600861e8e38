using KanbanBlazor.Core.Boards;
using KanbanBlazor.Core.Ordering;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Fills a tenant's board with many cards, for trying the board at scale and for its benchmarks
/// (Demo:Scale in README.md). Each card is tenant-correct (written through the tenant's context, under
/// row-level security), owned by one of the tenant's members, placed after the stage's cards by spread
/// ordering keys, and has a history in the event log: it entered the board in the first stage and, when
/// its stage is another, moved there later, numbered after the board's sequence so the verifier and
/// replay accept the board. Rows are written by set-based inserts from arrays, in one transaction that
/// holds the board's lock: 100,000 cards take seconds, not minutes.
/// </summary>
public sealed class BoardGenerator(IDbContextFactory<KanbanDbContext> factory, TimeProvider clock)
{
    private static readonly string[] Companies =
        ["Initech", "Umbrella", "Hooli", "Vandelay", "Stark Industries", "Wayne Enterprises", "Soylent", "Cyberdyne", "Tyrell", "Wonka"];

    private const string EntryMetadata = """{"source":"generator","card_version":1}""";
    private const string MoveMetadata = """{"source":"generator","card_version":2}""";

    private static readonly string[] Deals = ["Renewal", "Expansion", "Pilot", "Upgrade", "New seats", "Analytics add-on"];

    /// <param name="stage">the stage every card goes to; null spreads them over the board's stages</param>
    /// <returns>the events written to the board's log</returns>
    public async Task<int> AddCardsAsync(Guid tenantId, string entityType, string? stage, int count, int seed, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Random(seed);
        var now = clock.GetUtcNow();
        await using var db = await factory.CreateForTenantAsync(tenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var config = await db.BoardConfigs.FromSql($"SELECT * FROM kanban_configs WHERE entity_type = {entityType} FOR UPDATE")
            .SingleOrDefaultAsync(ct) ?? throw new InvalidOperationException($"The tenant has no {entityType} board.");
        var stages = await db.Stages.Where(s => s.BoardConfigId == config.Id).OrderBy(s => s.Position).Select(s => s.Key).ToListAsync(ct);
        if (stage is not null && !stages.Contains(stage)) throw new InvalidOperationException($"The {entityType} board has no stage '{stage}'.");
        var owners = await db.Members.Select(m => m.UserId).ToArrayAsync(ct);

        var targets = Enumerable.Range(0, count).Select(i => stage ?? stages[i % stages.Count]).ToArray();
        var positions = new string[count];
        foreach (var group in Enumerable.Range(0, count).GroupBy(i => targets[i]))
        {
            // After the stage's last card, evenly spread: as short as the count allows.
            var last = await db.Cards.Where(c => c.EntityType == entityType && c.Stage == group.Key)
                .OrderByDescending(c => c.Position).Select(c => c.Position).FirstOrDefaultAsync(ct);
            var indexes = group.ToList();
            var keys = OrderingKey.SpreadBetween(last, null, indexes.Count, int.MaxValue)!;
            for (var k = 0; k < indexes.Count; k++) positions[indexes[k]] = keys[k];
        }

        var ids = new Guid[count];
        var titles = new string[count];
        var companies = new string[count];
        var values = new decimal[count];
        var cardOwners = new Guid[count];
        var created = new DateTimeOffset[count];
        var movedAt = new DateTimeOffset[count];
        var nextAt = new DateTimeOffset?[count];
        for (var i = 0; i < count; i++)
        {
            created[i] = now.AddDays(-random.Next(2, 120)).AddMinutes(-random.Next(0, 1440));
            movedAt[i] = created[i] + (now.AddHours(-1) - created[i]) * random.NextDouble();
            ids[i] = Guid.CreateVersion7(created[i]);
            companies[i] = Companies[random.Next(Companies.Length)];
            titles[i] = $"{companies[i]}: {Deals[random.Next(Deals.Length)]} #{i + 1:D6}";
            values[i] = random.Next(2, 400) * 250m;
            cardOwners[i] = owners[random.Next(owners.Length)];
            nextAt[i] = random.NextDouble() < 0.4 ? now.AddHours(random.Next(-72, 240)) : null;
        }
        var first = stages[0];
        var entered = targets.Select(t => t == first).ToArray();
        var sequence = config.Sequence;

        // The cards, then each card's entry into the first stage (numbered in card order), then the
        // move of each card that ended elsewhere; a card's latest logged event puts it at its key.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO cards (id, tenant_id, entity_type, title, company, value, currency, owner_id, stage, position, version,
                               next_action_at, next_action_details, last_activity_at, created_at, updated_at, last_modified_by)
            SELECT u.id, {tenantId}, {entityType}, u.title, u.company, u.value, 'USD', u.owner, u.stage, u.position,
                   CASE WHEN u.stage = {first} THEN 1 ELSE 2 END,
                   u.next_at, CASE WHEN u.next_at IS NULL THEN NULL ELSE 'Follow up' END,
                   CASE WHEN u.stage = {first} THEN u.created ELSE u.moved END, u.created,
                   CASE WHEN u.stage = {first} THEN u.created ELSE u.moved END, u.owner
            FROM unnest({ids}, {titles}, {companies}, {values}, {cardOwners}, {targets}, {positions}, {created}, {movedAt}, {nextAt})
                 AS u(id, title, company, value, owner, stage, position, created, moved, next_at)
            """, ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO kanban_moves (id, tenant_id, entity_type, entity_id, from_stage, to_stage, to_position, user_id, metadata, sequence, created_at)
            SELECT gen_random_uuid(), {tenantId}, {entityType}, u.id, NULL, {first}, CASE WHEN u.stage = {first} THEN u.position END, u.owner,
                   {EntryMetadata}::jsonb, {sequence} + u.n, u.created
            FROM unnest({ids}, {targets}, {positions}, {cardOwners}, {created}) WITH ORDINALITY AS u(id, stage, position, owner, created, n)
            """, ct);
        var moved = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO kanban_moves (id, tenant_id, entity_type, entity_id, from_stage, to_stage, to_position, user_id, metadata, sequence, created_at)
            SELECT gen_random_uuid(), {tenantId}, {entityType}, m.id, {first}, m.stage, m.position, m.owner,
                   {MoveMetadata}::jsonb, {sequence + count} + row_number() OVER (ORDER BY m.n), m.moved
            FROM unnest({ids}, {targets}, {positions}, {cardOwners}, {movedAt}, {entered}) WITH ORDINALITY AS m(id, stage, position, owner, moved, entered, n)
            WHERE NOT m.entered
            """, ct);
        config.Sequence = sequence + count + moved;
        config.UpdatedAt = now;
        db.BoardConfigs.Update(config);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return count + moved;
    }
}

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
        var config = await LockBoardAsync(db, entityType, ct);
        var stages = await db.Stages.Where(s => s.BoardConfigId == config.Id).OrderBy(s => s.Position).Select(s => s.Key).ToListAsync(ct);
        if (stage is not null && !stages.Contains(stage)) throw new InvalidOperationException($"The {entityType} board has no stage '{stage}'.");
        var owners = await db.Members.Select(m => m.UserId).ToArrayAsync(ct);

        var targets = Enumerable.Range(0, count).Select(i => stage ?? stages[i % stages.Count]).ToArray();
        var positions = new string[count];
        foreach (var group in Enumerable.Range(0, count).GroupBy(i => targets[i]))
        {
            var indexes = group.ToList();
            var keys = await KeysAfterLastAsync(db, entityType, group.Key, indexes.Count, ct);
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
        await FinishAsync(db, config, sequence + count + moved, now, ct);
        await tx.CommitAsync(ct);
        return count + moved;
    }

    /// <summary>
    /// Adds <paramref name="count"/> cards, each with a history of about <paramref name="eventsPerCard"/>
    /// logged events over the last <paramref name="days"/> days, for the metrics benchmark: created in the
    /// first stage, then moves mostly forward (sometimes back), reorders within a stage, now and then a
    /// move taken back by its undo; most cards end in a closing stage. Every event of the board is
    /// numbered in time order after the board's sequence, and each card's row is where its last event
    /// left it. Same tenant-correct, set-based writing as <see cref="AddCardsAsync"/>.
    /// </summary>
    /// <returns>the events written to the board's log</returns>
    public async Task<int> AddHistoryAsync(Guid tenantId, string entityType, int count, int eventsPerCard, int days, int seed, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Random(seed);
        var now = clock.GetUtcNow();
        await using var db = await factory.CreateForTenantAsync(tenantId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var config = await LockBoardAsync(db, entityType, ct);
        var stages = await db.Stages.Where(s => s.BoardConfigId == config.Id).OrderBy(s => s.Position).ToListAsync(ct);
        var open = stages.Where(s => Enum.Parse<StageOutcome>(s.Outcome) == StageOutcome.Open).Select(s => s.Key).ToList();
        var closing = stages.Where(s => Enum.Parse<StageOutcome>(s.Outcome) != StageOutcome.Open).Select(s => s.Key).ToList();
        var owners = await db.Members.Select(m => m.UserId).ToArrayAsync(ct);

        var events = new List<(Guid Id, Guid Card, string Type, string Kind, string? From, string To, Guid? UndoOf, Guid Owner, DateTimeOffset At)>(count * eventsPerCard);
        var cards = new List<(Guid Id, string Title, string Company, decimal Value, Guid Owner, string Stage, DateTimeOffset Created, DateTimeOffset Last)>(count);
        for (var i = 0; i < count; i++)
        {
            var created = now.AddDays(-random.NextDouble() * days);
            var owner = owners[random.Next(owners.Length)];
            var id = Guid.CreateVersion7(created);
            var at = created;
            var stage = open[0];
            events.Add((Guid.CreateVersion7(at), id, "CardCreated", "move", null, stage, null, owner, at));
            // A card lives a few weeks; its events are spread over its life, never past now.
            var step = TimeSpan.FromHours(random.Next(6, 72));
            for (var e = 1; e < eventsPerCard; e++)
            {
                at += step * (0.2 + random.NextDouble() * 1.6);
                if (at >= now) break;
                var roll = random.NextDouble();
                var index = open.IndexOf(stage);
                string to;
                if (index < 0) to = stage; // done: only reorders from here
                else if (roll < 0.30) to = index + 1 < open.Count ? open[index + 1] : closing[random.Next(closing.Count)];
                else if (roll < 0.36 && index > 0) to = open[index - 1];
                else to = stage;
                var moveId = Guid.CreateVersion7(at);
                events.Add((moveId, id, "CardMoved", "move", stage, to, null, owner, at));
                if (to != stage && e + 1 < eventsPerCard && random.NextDouble() < 0.08)
                {
                    // A slip, taken back a few minutes later.
                    at += TimeSpan.FromMinutes(random.Next(1, 30));
                    events.Add((Guid.CreateVersion7(at), id, "CardMoved", "undo", to, stage, moveId, owner, at));
                    e++;
                    continue;
                }
                stage = to;
            }
            var company = Companies[random.Next(Companies.Length)];
            cards.Add((id, $"{company}: {Deals[random.Next(Deals.Length)]} #{i + 1:D6}", company, random.Next(2, 400) * 250m, owner, stage, created, at));
        }
        events.Sort((a, b) => a.At.CompareTo(b.At));

        var positions = new Dictionary<Guid, string>();
        foreach (var group in cards.GroupBy(c => c.Stage))
        {
            var keys = await KeysAfterLastAsync(db, entityType, group.Key, group.Count(), ct);
            var k = 0;
            foreach (var card in group) positions[card.Id] = keys[k++];
        }
        var lastEvent = events.GroupBy(e => e.Card).ToDictionary(g => g.Key, g => g.Last().Id);
        var versions = events.Where(e => e.Type == "CardMoved").GroupBy(e => e.Card).ToDictionary(g => g.Key, g => g.Count() + 1);

        foreach (var chunk in cards.Chunk(20_000))
        {
            var ids = chunk.Select(c => c.Id).ToArray();
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO cards (id, tenant_id, entity_type, title, company, value, currency, owner_id, stage, position, version,
                                   last_activity_at, created_at, updated_at, last_modified_by, stage_entered_at)
                SELECT u.id, {tenantId}, {entityType}, u.title, u.company, u.value, 'USD', u.owner, u.stage, u.position, u.version,
                       u.last, u.created, u.last, u.owner, u.last
                FROM unnest({ids}, {chunk.Select(c => c.Title).ToArray()}, {chunk.Select(c => c.Company).ToArray()}, {chunk.Select(c => c.Value).ToArray()},
                            {chunk.Select(c => c.Owner).ToArray()}, {chunk.Select(c => c.Stage).ToArray()}, {chunk.Select(c => positions[c.Id]).ToArray()},
                            {chunk.Select(c => versions.GetValueOrDefault(c.Id, 1)).ToArray()}, {chunk.Select(c => c.Created).ToArray()}, {chunk.Select(c => c.Last).ToArray()})
                     AS u(id, title, company, value, owner, stage, position, version, created, last)
                """, ct);
        }
        var sequence = config.Sequence;
        for (var start = 0; start < events.Count; start += 50_000)
        {
            var chunk = events.Skip(start).Take(50_000).ToList();
            var first = sequence + start + 1;
            var toPositions = chunk.Select(e => lastEvent[e.Card] == e.Id ? positions[e.Card] : null).ToArray();
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO kanban_moves (id, tenant_id, entity_type, event_type, kind, entity_id, from_stage, to_stage, to_position, undo_move_id, user_id, metadata, sequence, created_at)
                SELECT u.id, {tenantId}, {entityType}, u.type, u.kind, u.card, u.from_stage, u.to_stage, u.to_position, u.undo_of, u.owner,
                       {EntryMetadata}::jsonb, {first} + u.n - 1, u.at
                FROM unnest({chunk.Select(e => e.Id).ToArray()}, {chunk.Select(e => e.Type).ToArray()}, {chunk.Select(e => e.Kind).ToArray()},
                            {chunk.Select(e => e.Card).ToArray()}, {chunk.Select(e => e.From).ToArray()}, {chunk.Select(e => e.To).ToArray()}, {toPositions},
                            {chunk.Select(e => e.UndoOf).ToArray()}, {chunk.Select(e => e.Owner).ToArray()}, {chunk.Select(e => e.At).ToArray()})
                     WITH ORDINALITY AS u(id, type, kind, card, from_stage, to_stage, to_position, undo_of, owner, at, n)
                """, ct);
        }
        // The moves their undos took back are marked so, as the undo use case does.
        await db.Database.ExecuteSqlAsync($"""
            UPDATE kanban_moves m SET undone_at = u.created_at, undone_by = u.user_id
            FROM kanban_moves u WHERE u.entity_type = {entityType} AND u.kind = 'undo' AND u.sequence > {sequence}
              AND m.id = u.undo_move_id AND m.tenant_id = u.tenant_id
            """, ct);
        await FinishAsync(db, config, sequence + events.Count, now, ct);
        await tx.CommitAsync(ct);
        return events.Count;
    }

    /// <summary>The board's configuration row, locked for the transaction (no other write of the board meanwhile).</summary>
    private static async Task<BoardConfig> LockBoardAsync(KanbanDbContext db, string entityType, CancellationToken ct) =>
        await db.BoardConfigs.FromSql($"SELECT * FROM kanban_configs WHERE entity_type = {entityType} FOR UPDATE")
            .SingleOrDefaultAsync(ct) ?? throw new InvalidOperationException($"The tenant has no {entityType} board.");

    /// <summary>Keys for <paramref name="count"/> cards after the stage's last card, evenly spread: as short as the count allows.</summary>
    private static async Task<IReadOnlyList<string>> KeysAfterLastAsync(KanbanDbContext db, string entityType, string stage, int count, CancellationToken ct)
    {
        var last = await db.Cards.Where(c => c.EntityType == entityType && c.Stage == stage)
            .OrderByDescending(c => c.Position).Select(c => c.Position).FirstOrDefaultAsync(ct);
        return OrderingKey.SpreadBetween(last, null, count, int.MaxValue)!;
    }

    /// <summary>The board's sequence moves past the events written.</summary>
    private static async Task FinishAsync(KanbanDbContext db, BoardConfig config, long sequence, DateTimeOffset now, CancellationToken ct)
    {
        config.Sequence = sequence;
        config.UpdatedAt = now;
        db.BoardConfigs.Update(config);
        await db.SaveChangesAsync(ct);
    }
}

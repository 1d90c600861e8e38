using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>
/// Writes a board transaction's rows and commits them in one round trip, when every row is a plain
/// insert, or an update of columns by key (what moves, undos and redos write): the statements are
/// built from EF Core's model (tables, columns, type mappings and converters), so they say what
/// SaveChanges would. Anything else (a delete, a value the database generates, a row of another
/// shape) goes through SaveChanges and a separate commit. An update checked by a concurrency token
/// that finds no row fails the transaction before its commit, so nothing of it is written.
/// </summary>
internal static class BoardCommit
{
    public static async Task WriteAndCommitAsync(KanbanDbContext db, BoardDbTransaction transaction)
    {
        db.ChangeTracker.DetectChanges();
        var rows = db.ChangeTracker.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted).ToList();
        if (!rows.All(IsPlain))
        {
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return;
        }

        db.StampTenant();
        await using var batch = new NpgsqlBatch(transaction.Connection);
        foreach (var row in rows) batch.BatchCommands.Add(row.State == EntityState.Added ? Insert(row) : Update(row));
        if (transaction.NoticeCommand() is { } notice) batch.BatchCommands.Add(notice);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(CancellationToken.None);
        transaction.Committed();
        db.ChangeTracker.AcceptAllChanges();
    }

    /// <summary>An insert whose every value is known here, or an update of known columns by key.</summary>
    private static bool IsPlain(EntityEntry row) =>
        row.State switch
        {
            EntityState.Added => row.Properties.All(p => p.Metadata.ValueGenerated == ValueGenerated.Never || !Equals(p.CurrentValue, p.Metadata.Sentinel)),
            EntityState.Modified => !row.Properties.Any(p => p.IsModified && (p.Metadata.IsKey() || p.Metadata.ValueGenerated.HasFlag(ValueGenerated.OnUpdate))),
            _ => false,
        };

    private static NpgsqlBatchCommand Insert(EntityEntry row)
    {
        var columns = row.Properties.ToList();
        var command = new NpgsqlBatchCommand(
            $"INSERT INTO {Table(row)} ({string.Join(", ", columns.Select(p => Column(p.Metadata)))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"${i + 1}"))})");
        foreach (var column in columns) command.Parameters.Add(Parameter(column.Metadata, column.CurrentValue));
        return command;
    }

    /// <summary>The changed columns by key; with concurrency tokens, checked against their original
    /// values, and the statement fails when no row matched (division by zero stands in for RAISE,
    /// which plain SQL lacks), so the transaction never reaches its commit.</summary>
    private static NpgsqlBatchCommand Update(EntityEntry row)
    {
        var changed = row.Properties.Where(p => p.IsModified).ToList();
        var keys = row.Properties.Where(p => p.Metadata.IsPrimaryKey()).ToList();
        var tokens = row.Properties.Where(p => p.Metadata.IsConcurrencyToken).ToList();
        var n = 0;
        var set = string.Join(", ", changed.Select(p => $"{Column(p.Metadata)} = ${++n}"));
        var where = string.Join(" AND ", keys.Concat(tokens).Select(p => $"{Column(p.Metadata)} = ${++n}"));
        var update = $"UPDATE {Table(row)} SET {set} WHERE {where}";
        var command = new NpgsqlBatchCommand(tokens.Count == 0 ? update
            : $"WITH changed AS ({update} RETURNING 1) SELECT 1 / (SELECT count(*)::int FROM changed)");
        foreach (var column in changed) command.Parameters.Add(Parameter(column.Metadata, column.CurrentValue));
        foreach (var column in keys) command.Parameters.Add(Parameter(column.Metadata, column.CurrentValue));
        foreach (var column in tokens) command.Parameters.Add(Parameter(column.Metadata, column.OriginalValue));
        return command;
    }

    private static string Table(EntityEntry row) => Quote(row.Metadata.GetTableName()!);

    private static string Column(IProperty property) =>
        Quote(property.GetColumnName(StoreObjectIdentifier.Table(property.DeclaringType.GetTableName()!, property.DeclaringType.GetSchema()))!);

    private static string Quote(string name) => $"\"{name.Replace("\"", "\"\"")}\"";

    /// <summary>A positional parameter typed and converted as EF Core's mapping of the property says.</summary>
    private static NpgsqlParameter Parameter(IProperty property, object? value) =>
        (NpgsqlParameter)property.GetRelationalTypeMapping().CreateParameter(ParameterSource, "", value, property.IsNullable);

    /// <summary>Only creates parameters (<see cref="NpgsqlCommand.CreateParameter"/> keeps no state).</summary>
    private static readonly NpgsqlCommand ParameterSource = new();
}

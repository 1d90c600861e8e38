using KanbanBlazor.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using Xunit;

namespace KanbanBlazor.Tests.Integration;

[Collection(DatabaseCollection.Name)]
public sealed class SchemaTests(TestDatabase database)
{
    private sealed record Column(string Table, string Name, string Type, bool Nullable);

    private async Task<List<Column>> ColumnsAsync()
    {
        await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT c.table_name, c.column_name, format_type(a.atttypid, a.atttypmod), c.is_nullable = 'YES'
            FROM information_schema.columns c
            JOIN pg_attribute a ON a.attrelid = ('public.' || quote_ident(c.table_name))::regclass AND a.attname = c.column_name
            WHERE c.table_schema = 'public'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var columns = new List<Column>();
        while (await reader.ReadAsync()) columns.Add(new Column(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
        return columns;
    }

    private static IEnumerable<Column> ModelColumns(DbContext db) =>
        from entity in db.Model.GetEntityTypes()
        let table = entity.GetTableName()!
        let store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, entity.GetSchema())
        from property in entity.GetProperties()
        select new Column(table, property.GetColumnName(store)!, property.GetColumnType(store), property.IsColumnNullable(store));

    [Fact]
    public async Task The_migrated_schema_has_every_table_and_column_of_the_ef_model_with_the_same_type_and_nullability()
    {
        await using var kanban = database.KanbanFactory().CreateDbContext();
        await using var accounts = database.AccountsFactory().CreateDbContext();
        var model = ModelColumns(kanban).Concat(ModelColumns(accounts)).Distinct().ToList();
        var actual = (await ColumnsAsync()).ToDictionary(c => (c.Table, c.Name));

        var problems = new List<string>();
        foreach (var column in model)
        {
            if (!actual.TryGetValue((column.Table, column.Name), out var found))
                problems.Add($"{column.Table}.{column.Name} is in the model but not in the database");
            else if (!SameType(column.Type, found.Type) || column.Nullable != found.Nullable)
                problems.Add($"{column.Table}.{column.Name}: model {column.Type}{(column.Nullable ? " null" : "")}, database {found.Type}{(found.Nullable ? " null" : "")}");
        }
        var mappedTables = model.Select(c => c.Table).ToHashSet();
        foreach (var column in actual.Values.Where(c => mappedTables.Contains(c.Table)))
        {
            if (!model.Any(m => m.Table == column.Table && m.Name == column.Name))
                problems.Add($"{column.Table}.{column.Name} is in the database but not in the model");
        }
        Assert.Empty(problems);
    }

    [Fact]
    public async Task Every_tenant_owned_table_forces_row_level_security()
    {
        await using var kanban = database.KanbanFactory().CreateDbContext();
        var tenantOwned = kanban.Model.GetEntityTypes()
            .Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType))
            .Select(e => e.GetTableName()!)
            .ToList();
        Assert.NotEmpty(tenantOwned);
        foreach (var table in tenantOwned)
        {
            var forced = await database.ScalarAsync<bool>(database.OwnerConnectionString,
                "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = ('public.' || @t)::regclass", ("t", table));
            Assert.True(forced, $"{table} does not force row-level security");
        }
    }

    [Fact]
    public async Task Every_index_unique_constraint_and_collation_of_the_model_is_in_the_database()
    {
        await using var accounts = database.AccountsFactory().CreateDbContext();
        // The design-time model keeps what the runtime model drops (index sort order, filters).
        var model = accounts.GetService<Microsoft.EntityFrameworkCore.Metadata.IDesignTimeModel>().Model;
        // PostgreSQL quotes column names that are keywords ("position"); the model does not.
        var schema = (await MigrationTests.SchemaAsync(database.OwnerConnectionString)).Select(l => l.Replace("\"", "")).ToList();
        var problems = new List<string>();
        foreach (var entity in model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, null);
            string Columns(IEnumerable<Microsoft.EntityFrameworkCore.Metadata.IProperty> properties, IReadOnlyList<bool>? descending = null) =>
                string.Join(", ", properties.Select((p, i) => p.GetColumnName(store) + (descending is { } d && d.Count > i && d[i] ? " DESC" : "")));
            foreach (var index in entity.GetIndexes())
            {
                var included = index.GetIncludeProperties() is { Count: > 0 } names
                    ? $" INCLUDE ({string.Join(", ", names.Select(n => entity.FindProperty(n)?.GetColumnName(store) ?? n))})" : "";
                var expected = $"index CREATE {(index.IsUnique ? "UNIQUE " : "")}INDEX {index.GetDatabaseName()} ON public.{table} USING btree ({Columns(index.Properties, index.IsDescending)}){included}"
                    + (index.GetFilter() is { } filter ? $" WHERE ({filter})" : "");
                // PostgreSQL writes a filter that is a boolean column alone without parentheses.
                var bare = index.GetFilter() is { } only && !only.Contains(' ') ? expected.Replace($"({only})", only) : expected;
                if (!schema.Contains(expected) && !schema.Contains(bare)) problems.Add($"missing: {expected}");
            }
            foreach (var key in entity.GetKeys().Where(k => !k.IsPrimaryKey()))
            {
                var expected = $"constraint {table} {key.GetName()} UNIQUE ({Columns(key.Properties)})";
                if (!schema.Contains(expected)) problems.Add($"missing: {expected}");
            }
            foreach (var property in entity.GetProperties().Where(p => p.GetCollation() is not null))
            {
                var column = $"column {table}.{property.GetColumnName(store)} ";
                if (!schema.Any(line => line.StartsWith(column, StringComparison.Ordinal) && line.Contains($" collate {property.GetCollation()}")))
                    problems.Add($"{table}.{property.GetColumnName(store)} lacks COLLATE \"{property.GetCollation()}\"");
            }
        }
        // And the other way: no index in the database that the model does not know of.
        var modelIndexes = model.GetEntityTypes().SelectMany(e => e.GetIndexes()).Select(i => i.GetDatabaseName()).ToHashSet();
        foreach (var line in schema.Where(l => l.StartsWith("index ", StringComparison.Ordinal) && !l.Contains("_pkey ") && !l.Contains("_key ")))
        {
            var name = line[(line.IndexOf(" INDEX ", StringComparison.Ordinal) + 7)..].Split(' ')[0];
            if (!modelIndexes.Contains(name)) problems.Add($"not in the model: {line}");
        }
        Assert.Empty(problems);
    }

    // EF reports some types by alias (e.g. "character(3)" vs "character(3)", "uuid"), PostgreSQL by its canonical name.
    private static bool SameType(string model, string database) =>
        Normalize(model) == Normalize(database);

    private static string Normalize(string type) => type.ToLowerInvariant() switch
    {
        "varchar" or "character varying" => "character varying",
        "timestamp with time zone" or "timestamptz" => "timestamp with time zone",
        "int" or "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        var other => other.Replace("varchar(", "character varying(").Replace("char(", "character("),
    };
}

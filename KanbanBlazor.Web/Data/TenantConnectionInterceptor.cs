using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Sets <c>app.tenant_id</c> (which row-level security reads) for the transaction each statement of a
/// <see cref="KanbanDbContext"/> runs in, never for the connection: behind PgBouncer in transaction
/// mode a client connection gets some server connection for each transaction, so a setting kept by the
/// session would reach the next transaction of whichever client came next, another tenant's included.
/// <list type="bullet">
/// <item>A transaction the context begins gets its tenant as its first statement (<c>set_config(…, true)</c>).</item>
/// <item>A statement outside one is preceded, in the same round trip, by a <c>DO</c> block that sets it
/// transaction-locally: both run in one implicit transaction (PostgreSQL's extended protocol keeps one
/// until the Sync that ends them), so the setting holds for that statement alone, on whatever server
/// connection runs it (about 15 µs more per statement, measured with psql).</item>
/// </list>
/// A context without a tenant sets an empty one, which matches no row. The board writer (BoardTransaction)
/// begins its transaction itself and sets the tenant in the same round trip as its first reads; raw
/// commands on a context's connection run inside a transaction the context began.
/// </summary>
public sealed class TenantConnectionInterceptor : IDbCommandInterceptor, IDbTransactionInterceptor, ISaveChangesInterceptor
{
    public const string Setting = "app.tenant_id";

    private static string TenantOf(DbContext? context) => (context as KanbanDbContext)?.TenantId?.ToString() ?? "";

    private static void Scope(DbCommand command, CommandEventData eventData)
    {
        // A transaction has its tenant already; SaveChanges always runs in one (SavingChanges below), and
        // its statements' row counts, which it checks one by one, must not be shifted by a statement of ours.
        if (command.Transaction is not null || eventData.CommandSource == CommandSource.SaveChanges) return;
        var context = eventData.Context;
        // A Guid's text is hex digits and dashes: nothing to escape. Not SET LOCAL, which PostgreSQL warns of
        // outside an explicit transaction block; DO returns no rows, so the statement's own are the first.
        command.CommandText = $"DO $tenant$BEGIN PERFORM set_config('{Setting}', '{TenantOf(context)}', true); END$tenant$;\n{command.CommandText}";
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Scope(command, eventData);
        return result;
    }

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Scope(command, eventData);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Scope(command, eventData);
        return result;
    }

    public ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Scope(command, eventData);
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Scope(command, eventData);
        return result;
    }

    public ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Scope(command, eventData);
        return ValueTask.FromResult(result);
    }

    /// <summary>SaveChanges in a transaction even for one statement (EF would run that one alone), so that
    /// the transaction's first statement sets the tenant. The board writer, which begins its own, says Never.</summary>
    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        AlwaysInTransaction(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        AlwaysInTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void AlwaysInTransaction(DbContext? context)
    {
        if (context?.Database.AutoTransactionBehavior == AutoTransactionBehavior.WhenNeeded)
            context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        using var command = SetCommand(connection, result, eventData.Context);
        command.ExecuteNonQuery();
        return result;
    }

    public async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result,
        CancellationToken cancellationToken = default)
    {
        await using var command = SetCommand(connection, result, eventData.Context);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return result;
    }

    private static DbCommand SetCommand(DbConnection connection, DbTransaction transaction, DbContext? context)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT set_config('{Setting}', @tenant, true)";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "tenant";
        parameter.Value = TenantOf(context);
        command.Parameters.Add(parameter);
        return command;
    }
}

using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// Sets <c>app.tenant_id</c> on every connection a <see cref="KanbanDbContext"/> opens, to its tenant
/// or to nothing. Because every open sets it, a pooled connection never carries a previous
/// operation's tenant into the next one (Npgsql's reset on return to the pool clears it as well).
/// The board writer (BoardTransaction) opens its connection itself and sets the tenant for its
/// transaction only, in the same round trip as its first reads.
/// </summary>
public sealed class TenantConnectionInterceptor : DbConnectionInterceptor
{
    public const string Setting = "app.tenant_id";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = CreateSetCommand(connection, eventData);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = CreateSetCommand(connection, eventData);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand CreateSetCommand(DbConnection connection, ConnectionEndEventData eventData)
    {
        var tenant = (eventData.Context as KanbanDbContext)?.TenantId;
        var command = connection.CreateCommand();
        command.CommandText = $"SELECT set_config('{Setting}', @tenant, false)";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "tenant";
        parameter.Value = tenant?.ToString() ?? string.Empty;
        command.Parameters.Add(parameter);
        return command;
    }
}

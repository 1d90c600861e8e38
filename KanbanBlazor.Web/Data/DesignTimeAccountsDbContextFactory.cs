using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace KanbanBlazor.Web.Data;

/// <summary>
/// For <c>dotnet ef</c> (adding a migration needs no database). <c>dotnet ef database update</c> uses
/// KANBAN_OWNER_CONNECTION, or the owner role of ./run.sh's PostgreSQL; the app itself applies
/// migrations at start-up, so that command is rarely needed.
/// </summary>
public sealed class DesignTimeAccountsDbContextFactory : IDesignTimeDbContextFactory<AccountsDbContext>
{
    public AccountsDbContext CreateDbContext(string[] args)
    {
        var connection = Environment.GetEnvironmentVariable("KANBAN_OWNER_CONNECTION")
            ?? "Host=127.0.0.1;Port=5433;Database=kanban;Username=kanban_owner;Pooling=false;Options=-c kanban.app_role=kanban_app";
        return new AccountsDbContext(new DbContextOptionsBuilder<AccountsDbContext>().UseNpgsql(connection).Options);
    }
}

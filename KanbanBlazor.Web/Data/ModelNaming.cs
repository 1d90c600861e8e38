using System.Text;
using Microsoft.EntityFrameworkCore;

namespace KanbanBlazor.Web.Data;

/// <summary>snake_case column names for every mapped property, so that the database reads the same
/// words as DOMAIN.md and the hand-written migrations.</summary>
internal static class ModelNaming
{
    public static void UseSnakeCaseColumns(this ModelBuilder builder)
    {
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
                property.SetColumnName(ToSnakeCase(property.Name));
        }
    }

    public static string ToSnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                result.Append('_');
            result.Append(char.ToLowerInvariant(c));
        }
        return result.ToString();
    }
}

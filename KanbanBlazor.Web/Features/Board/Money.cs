using System.Globalization;

namespace KanbanBlazor.Web.Features.Board;

/// <summary>How card values are shown (demo data is in US dollars; per-tenant currency comes later).</summary>
public static class Money
{
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("en-US");
}

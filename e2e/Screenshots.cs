namespace KanbanBlazor.E2E;

/// <summary>Screenshots the browser tests leave behind for a person to look at (e2e/screenshots, git-ignored).</summary>
public static class Screenshots
{
    public static string PathFor(string name)
    {
        var dir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "screenshots"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}

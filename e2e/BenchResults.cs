using System.Text.Json;

namespace KanbanBlazor.E2E;

/// <summary>What the browser-side benchmarks share: the app's heap as it reports it, and their results files.</summary>
public static class BenchResults
{
    /// <summary>The app's managed heap after a full collection (/diagnostics/memory, on in the test app).</summary>
    public static async Task<long> HeapAsync(HttpClient http, string baseUrl) => (await MemoryAsync(http, baseUrl)).HeapBytes;

    /// <summary>The app's managed heap after a full collection, and the board views open in it.</summary>
    public static async Task<(long HeapBytes, int BoardViews)> MemoryAsync(HttpClient http, string baseUrl)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(baseUrl + "/diagnostics/memory"));
        return (json.RootElement.GetProperty("heapBytes").GetInt64(), json.RootElement.GetProperty("boardViews").GetInt32());
    }

    /// <summary>Writes e2e/bench-results/<paramref name="name"/>, which ./bench.sh prints.</summary>
    public static async Task WriteAsync(string name, string report)
    {
        var file = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "bench-results", name));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, report);
    }
}

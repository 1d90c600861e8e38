using Microsoft.Playwright;

namespace KanbanBlazor.E2E;

/// <summary>
/// Measures move-to-other-browser latency: both pages run on this machine, so
/// performance.timeOrigin + performance.now() gives comparable wall-clock milliseconds in each.
/// </summary>
public static class LiveLatency
{
    public static Task<double> NowAsync(IPage page) =>
        page.EvaluateAsync<double>("() => performance.timeOrigin + performance.now()");

    /// <summary>Starts watching <paramref name="page"/> for the card to appear in the stage; the
    /// returned function waits for it and gives the time it appeared.</summary>
    public static async Task<Func<Task<double>>> WatchForAsync(IPage page, string cardId, string stageKey)
    {
        var key = $"kbSeen_{cardId.Replace("-", "")}";
        await page.EvaluateAsync(@"([key, cardId, stage]) => {
            window[key] = null;
            const selector = `[data-list-id='${stage}'] [data-id='${cardId}']`;
            const observer = new MutationObserver(() => {
                if (window[key] === null && document.querySelector(selector)) {
                    window[key] = performance.timeOrigin + performance.now();
                    observer.disconnect();
                }
            });
            observer.observe(document.body, { childList: true, subtree: true });
        }", new[] { key, cardId, stageKey });
        return async () =>
        {
            await page.WaitForFunctionAsync($"() => window['{key}'] !== null");
            return await page.EvaluateAsync<double>($"() => window['{key}']");
        };
    }
}

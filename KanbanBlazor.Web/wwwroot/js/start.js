// The browser's time zone, sent with every request from now on, so that the server shows local times
// on the first render of a page instead of asking the browser first (UiPreferences.TimeZoneCookie).
try {
    document.cookie = `kb.tz=${encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone)}; path=/; max-age=31536000; samesite=lax`;
} catch {
    // No time zone to tell: the server asks the page once it is running.
}

// Starts Blazor (blazor.web.js is loaded with autostart="false") with a reconnection schedule that
// suits short outages: a try every second for the first half minute, then every five seconds.
// The dialog and what happens after each attempt live in reconnect.js.
Blazor.start({
    circuit: {
        reconnectionOptions: {
            maxRetries: 120,
            retryIntervalMilliseconds: (previousAttempts) => (previousAttempts < 30 ? 1000 : 5000),
        },
    },
});

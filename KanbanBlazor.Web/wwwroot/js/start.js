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

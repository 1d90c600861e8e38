// Charts that MudBlazor does not draw (a true stacked area, a scatter with percentile lines), with
// chart.js (npm, served from /lib/chartjs). .NET sends the whole configuration as data; the numbers
// are also in a table beside each chart, so the canvas is only a picture of them.
let loading;

function load() {
    if (window.Chart) return Promise.resolve();
    loading ??= new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = '/lib/chartjs/chart.umd.min.js';
        script.onload = resolve;
        script.onerror = () => { loading = undefined; reject(new Error('chart.js did not load')); };
        document.head.appendChild(script);
    });
    return loading;
}

const drawn = new WeakMap();

export async function draw(canvas, config) {
    await load();
    if (!canvas.isConnected) return;
    const reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    config.options = { ...config.options, animation: reduced ? false : config.options?.animation, responsive: true, maintainAspectRatio: false };
    const existing = drawn.get(canvas);
    if (existing) {
        existing.config.type = config.type;
        existing.data = config.data;
        existing.options = config.options;
        existing.update();
    } else {
        drawn.set(canvas, new window.Chart(canvas, config));
    }
    canvas.dataset.drawn = String((Number(canvas.dataset.drawn) || 0) + 1);
}

export function dispose(canvas) {
    drawn.get(canvas)?.destroy();
    drawn.delete(canvas);
}

// The reconnect dialog (Components/ReconnectModal.razor) under the .NET 10 contract.
// A network drop: the client retries by itself and the circuit resumes with its state; "Retry now"
// skips the wait. A server restart: the server no longer knows the circuit ("rejected", or a
// resume that fails), so the page reloads itself, returning to the same address.
const modal = document.getElementById('components-reconnect-modal');
const retryButton = document.getElementById('components-reconnect-button');
const reloadButton = document.getElementById('kb-reconnect-reload');
const states = ['show', 'retrying', 'failed', 'paused', 'resume-failed', 'rejected'];

function setState(state) {
    for (const s of states) modal.classList.toggle(`components-reconnect-${s}`, s === state);
    modal.dataset.state = state;
}

async function retry() {
    try {
        if (await Blazor.reconnect()) return;
        // Reached the server, but it no longer has this circuit: resume it from its saved state, or reload.
        if (!(await Blazor.resumeCircuit())) location.reload();
    } catch {
        setState('failed');
        // Not reachable yet: keep trying in the background so the user need not.
        setTimeout(retry, 2000);
    }
}

if (modal) {
    modal.addEventListener('components-reconnect-state-changed', (event) => {
        const state = event.detail.state;
        setState(state);
        if (state === 'hide') {
            if (modal.open) modal.close();
            return;
        }
        if (!modal.open) modal.showModal();
        if (state === 'rejected' || state === 'resume-failed') location.reload();
        else if (state === 'failed' || state === 'paused') setTimeout(retry, 1000);
    });
    retryButton.addEventListener('click', retry);
    reloadButton.addEventListener('click', () => location.reload());
}

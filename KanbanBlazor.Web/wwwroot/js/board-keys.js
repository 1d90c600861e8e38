// Board-wide shortcuts: Ctrl+Z (Cmd+Z) undoes the user's last move on the board, Ctrl+Shift+Z redoes.
// Typing in a field or a dialog keeps its own undo.
export function listen(dotnet) {
    const handler = event => {
        if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== 'z') return;
        if (event.target instanceof Element && event.target.closest('input, textarea, select, [contenteditable="true"], .mud-dialog')) return;
        event.preventDefault();
        dotnet.invokeMethodAsync(event.shiftKey ? 'RedoFromKeyboard' : 'UndoFromKeyboard');
    };
    document.addEventListener('keydown', handler);
    return { dispose: () => document.removeEventListener('keydown', handler) };
}

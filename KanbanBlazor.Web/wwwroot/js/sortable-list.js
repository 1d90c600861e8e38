// Wraps SortableJS (window.Sortable, from npm via wwwroot/lib) for the SortableList component.
// Blazor owns the DOM: after a drop the dragged element goes back where it was and .NET re-renders
// the lists from its state, so the two never disagree. While a drag is under way .NET holds back
// live re-renders (DragStarted ... Dropped / DragCancelled), so SortableJS never loses its element.
export function attach(element, dotnet, options) {
    const sortable = window.Sortable.create(element, {
        group: options.group,
        animation: 150,
        draggable: '.kb-sortable__item',
        // Locked cards do not drag; nor does a drag start on a card's own buttons (the "Move to" menu).
        filter: '.kb-sortable__item--locked, .kb-card__actions',
        preventOnFilter: false,
        // Pointer-driven dragging behaves the same with mouse, touch and test drivers.
        forceFallback: true,
        fallbackTolerance: 3,
        // On touch a drag starts only after a press and hold, so a vertical swipe scrolls the column.
        delay: 350,
        delayOnTouchOnly: true,
        touchStartThreshold: 6,
        onStart(evt) {
            dotnet.invokeMethodAsync('DragStarted', evt.item.dataset.id);
        },
        onEnd(evt) {
            const from = evt.from, to = evt.to, item = evt.item;
            if (from === to && evt.oldIndex === evt.newIndex) {
                dotnet.invokeMethodAsync('DragCancelled', item.dataset.id);
                return;
            }
            item.remove();
            from.insertBefore(item, from.children[evt.oldIndex] ?? null);
            dotnet.invokeMethodAsync('Dropped', item.dataset.id, from.dataset.listId, to.dataset.listId, evt.newIndex);
        },
    });
    // Keyboard moves (Alt+Arrow keys on a focused card): the same report as a drop, worked out in
    // .NET from the board; afterwards focus follows the card to wherever it was rendered.
    const keys = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    const onKeyDown = async (evt) => {
        const item = evt.target.closest?.('.kb-sortable__item--movable');
        if (!evt.altKey || !keys[evt.key] || !item || !element.contains(item) || evt.target !== item) return;
        evt.preventDefault();
        const id = item.dataset.id;
        await dotnet.invokeMethodAsync('KeyMoved', id, keys[evt.key]);
        for (let frame = 0; frame < 60; frame++) {
            await new Promise(requestAnimationFrame);
            const moved = document.querySelector(`.kb-sortable__item[data-id='${id}']`);
            if (moved && moved !== item) { moved.focus(); return; }
            if (moved === item && document.activeElement !== item) { item.focus(); return; }
        }
    };
    element.addEventListener('keydown', onKeyDown);
    element.dataset.sortable = 'ready';
    return {
        destroy() {
            element.removeEventListener('keydown', onKeyDown);
            sortable.destroy();
        },
    };
}

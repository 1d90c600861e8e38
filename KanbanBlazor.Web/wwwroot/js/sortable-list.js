// Wraps SortableJS (window.Sortable, from npm via wwwroot/lib) for the SortableList component.
// Blazor owns the DOM: after a drop the dragged element goes back where it was and .NET re-renders
// the lists from its state, so the two never disagree.
export function attach(element, dotnet, options) {
    const sortable = window.Sortable.create(element, {
        group: options.group,
        animation: 150,
        draggable: '.kb-sortable__item',
        filter: '.kb-sortable__item--locked',
        preventOnFilter: false,
        // Pointer-driven dragging behaves the same with mouse, touch and test drivers.
        forceFallback: true,
        fallbackTolerance: 3,
        onEnd(evt) {
            const from = evt.from, to = evt.to, item = evt.item;
            if (from === to && evt.oldIndex === evt.newIndex) return;
            item.remove();
            from.insertBefore(item, from.children[evt.oldIndex] ?? null);
            dotnet.invokeMethodAsync('Dropped', item.dataset.id, from.dataset.listId, to.dataset.listId, evt.newIndex);
        },
    });
    return {
        destroy() { sortable.destroy(); },
    };
}

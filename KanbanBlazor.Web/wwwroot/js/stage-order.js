// Dragging a stage by its handle on the board settings page (SortableJS). Blazor owns the DOM: the
// dropped row goes back where it was and .NET reorders its list and renders it again.
export function attach(element, dotnet) {
    const sortable = window.Sortable.create(element, {
        handle: '.kb-stage-row__handle',
        draggable: '.kb-stage-row',
        animation: 150,
        forceFallback: true,
        fallbackTolerance: 3,
        // The dragged stand-in lives in <body>, not among the rows Blazor renders.
        fallbackOnBody: true,
        onEnd(evt) {
            if (evt.oldIndex === evt.newIndex) return;
            const rows = evt.from;
            rows.removeChild(evt.item);
            rows.insertBefore(evt.item, rows.children[evt.oldIndex] || null);
            dotnet.invokeMethodAsync('Reorder', evt.oldIndex, evt.newIndex);
        },
    });
    return { dispose() { sortable.destroy(); } };
}

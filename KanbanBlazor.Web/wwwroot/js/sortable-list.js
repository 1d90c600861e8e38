// Wraps SortableJS (window.Sortable, from npm via wwwroot/lib) for the SortableList component.
// Blazor owns the DOM: after a drop the dragged element goes back where it was and .NET re-renders
// the lists from its state, so the two never disagree. While a drag is under way .NET holds back
// live re-renders (DragStarted ... Dropped / DragCancelled), so SortableJS never loses its element.
// A long list is rendered in part (a window of items between two spacers): as it scrolls, the list
// tells .NET which item is first in view, and a drop reports the items it landed between.
// Each item is a slot (a keyed div SortableJS drags) around the item's own element, which carries its
// id, label and focus: the server sends that element as one piece of markup.
const itemSelector = ':scope > div > .kb-sortable__item';
const idOf = (slot) => slot.firstElementChild?.dataset.id;

// group: lists of one group exchange items; mode: 'drag', or 'view' for a viewer's list.
export function attach(element, dotnet, group, mode) {
    let dragging = false;
    let origin = null;
    // A viewer's list (nothing to drag) gets no SortableJS: only its window and its cards' buttons.
    const sortable = mode === 'view' ? null : window.Sortable.create(element, {
        group,
        animation: 150,
        draggable: '>div:not(.kb-sortable__spacer)',
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
            dragging = true;
            // Shows the closing stages' drop zones (LiveBoard) for as long as the drag lasts.
            document.documentElement.classList.add('kb-dragging');
            origin = { parent: evt.from, next: evt.item.nextSibling };
            dotnet.invokeMethodAsync('DragStarted', idOf(evt.item));
        },
        onEnd(evt) {
            dragging = false;
            document.documentElement.classList.remove('kb-dragging');
            const from = evt.from, to = evt.to, item = evt.item;
            if (from === to && evt.oldIndex === evt.newIndex) {
                dotnet.invokeMethodAsync('DragCancelled', idOf(item));
                schedule();
                return;
            }
            const after = neighbour(item, 'previousElementSibling');
            const before = neighbour(item, 'nextElementSibling');
            const newIndex = (Number(to.dataset.start) || 0) + (evt.newDraggableIndex ?? evt.newIndex);
            item.remove();
            const next = origin?.next;
            from.insertBefore(item, next && next.parentNode === from ? next : null);
            origin = null;
            dotnet.invokeMethodAsync('Dropped', idOf(item), from.dataset.listId, to.dataset.listId, newIndex,
                after ? idOf(after) : null, before ? idOf(before) : null);
            schedule();
        },
    });

    // Which item is first in view, and how far apart items are, when the view nears an edge of the
    // rendered window or items turn out taller or shorter than the spacers assume (not during a drag:
    // the window stays put under SortableJS). Worked out from what is rendered: in a spacer, by the
    // spacer's own height per item; among the items, by the items themselves.
    let scheduled = false;
    const report = () => {
        const items = element.querySelectorAll(itemSelector);
        const count = Number(element.dataset.count) || 0;
        if (items.length === 0 || count <= items.length && Number(element.dataset.start) === 0) return;
        const first = items[0], last = items[items.length - 1];
        const gap = items.length > 1 ? items[1].offsetTop - first.offsetTop - first.offsetHeight : 8;
        const measured = (last.offsetTop + last.offsetHeight - first.offsetTop + gap) / items.length;
        const spaced = Number(element.dataset.itemHeight) || measured;
        const start = Number(element.dataset.start) || 0;
        const end = start + items.length;
        const scroll = element.scrollTop;
        const itemsBottom = last.offsetTop + last.offsetHeight;
        let top;
        if (scroll < first.offsetTop) top = Math.floor(scroll / spaced);
        else if (scroll >= itemsBottom) top = end + Math.floor((scroll - itemsBottom) / spaced);
        else {
            top = start;
            for (const item of items) { if (item.offsetTop + item.offsetHeight > scroll) break; top++; }
        }
        top = Math.min(Math.max(0, top), Math.max(0, count - 1));
        const shown = Math.ceil(element.clientHeight / measured);
        const nearTop = start > 0 && top < start + 4;
        const nearEnd = end < count && top + shown > end - 4;
        // The spacers keep their height per item unless the cards turn out far taller or shorter: a
        // height that followed every window would move the window under a view that stands still.
        const resize = Math.abs(spaced - measured) > spaced * 0.25;
        if (nearTop || nearEnd || resize) dotnet.invokeMethodAsync('ShowFrom', top, resize ? measured : spaced, shown);
    };
    // Any drag on the page holds the window still: a card dragged in from another list is in this one's DOM.
    const held = () => dragging || document.documentElement.classList.contains('kb-dragging');
    const schedule = () => {
        if (held() || scheduled) return;
        scheduled = true;
        requestAnimationFrame(() => { scheduled = false; if (!held()) report(); });
    };
    element.addEventListener('scroll', schedule, { passive: true });
    // Each rendered item's place in the whole list, for assistive technology ("5 of 10,030"): the
    // server renders the window's start and the list's count, the items are numbered here.
    const number = () => {
        const start = Number(element.dataset.start) || 0;
        const count = element.dataset.count ?? '';
        let place = start;
        for (const item of element.querySelectorAll(itemSelector)) {
            place++;
            if (item.getAttribute('aria-posinset') !== String(place)) item.setAttribute('aria-posinset', place);
            if (item.getAttribute('aria-setsize') !== count) item.setAttribute('aria-setsize', count);
        }
    };
    // A card that changes while it has focus is rendered anew (its markup is replaced): focus follows it to
    // its new element, so a colleague's edit does not drop a keyboard or screen reader user's place.
    let focusedId = null;
    const onFocusIn = (evt) => { focusedId = evt.target.classList?.contains('kb-sortable__item') ? evt.target.dataset.id : null; };
    const keepFocus = () => {
        if (dragging || !focusedId || (document.activeElement && document.activeElement !== document.body)) return;
        const again = element.querySelector(`.kb-sortable__item[data-id='${focusedId}']`);
        if (again) again.focus({ preventScroll: true }); else focusedId = null;
    };
    // Focus the person moved elsewhere (or off the page) is theirs: only a card removed with its focus is followed.
    const onFocusOut = (evt) => {
        if (evt.relatedTarget) { focusedId = null; return; }
        const left = evt.target;
        queueMicrotask(() => { if (left.isConnected) focusedId = null; });
    };
    element.addEventListener('focusin', onFocusIn);
    element.addEventListener('focusout', onFocusOut);
    // After each render of the list (the window moved, cards changed): number the items, look again.
    const rendered = new MutationObserver(() => { number(); keepFocus(); schedule(); });
    rendered.observe(element, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-start', 'data-count'] });
    number();
    schedule();

    // Keyboard moves (Alt+Arrow keys on a focused card): the same report as a drop, worked out in
    // .NET from the board; afterwards focus follows the card to wherever it was rendered.
    const keys = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    const onKeyDown = async (evt) => {
        if (evt.key === 'Enter' && !evt.altKey && evt.target.classList?.contains('kb-sortable__item') && element.contains(evt.target)) {
            evt.preventDefault();
            dotnet.invokeMethodAsync('ItemAction', evt.target.dataset.id, 'open');
            return;
        }
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
    // Cards are plain markup: their buttons ("Move to…", history) and a click on the card itself (open
    // it) are heard here, by the list. SortableJS swallows the click that ends a drag.
    const onClick = (evt) => {
        if (evt.defaultPrevented) return;
        const button = evt.target.closest?.('.kb-card__move, .kb-card__history');
        const item = (button ?? evt.target).closest?.('.kb-sortable__item');
        if (!item || !element.contains(item)) return;
        evt.preventDefault();
        const action = !button ? 'open' : button.classList.contains('kb-card__move') ? 'move' : 'history';
        dotnet.invokeMethodAsync('ItemAction', item.dataset.id, action);
    };
    element.addEventListener('click', onClick);
    element.dataset.sortable = sortable ? 'ready' : 'view-only';
    return {
        destroy() {
            element.removeEventListener('keydown', onKeyDown);
            element.removeEventListener('focusin', onFocusIn);
            element.removeEventListener('focusout', onFocusOut);
            element.removeEventListener('click', onClick);
            element.removeEventListener('scroll', schedule);
            rendered.disconnect();
            sortable?.destroy();
        },
    };
}

// The slot beside this one in the list (skipping spacers), or null at an end of the rendered window.
function neighbour(slot, direction) {
    let node = slot[direction];
    while (node && !node.firstElementChild?.classList.contains('kb-sortable__item')) node = node[direction];
    return node;
}

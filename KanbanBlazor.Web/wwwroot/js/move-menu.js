// The board's one "Move to…" menu (MoveToMenu.razor): placed beside the card's button (below it, or
// above when there is no room), focus on its first stage; arrow keys, Home and End walk it; Escape or
// Tab close it; on close focus goes back to the button.
export function open(menu, cardId, dotnet) {
    const anchor = document.querySelector(`.kb-sortable__item[data-id='${cardId}'] .kb-card__move`);
    const place = () => {
        const box = anchor?.getBoundingClientRect();
        if (!box) return;
        const width = menu.offsetWidth, height = menu.offsetHeight;
        const left = Math.min(Math.max(8, box.right - width), window.innerWidth - width - 8);
        let top = box.bottom + 4;
        if (top + height > window.innerHeight - 8) top = Math.max(8, box.top - height - 4);
        menu.style.left = `${left}px`;
        menu.style.top = `${top}px`;
    };
    place();
    anchor?.setAttribute('aria-expanded', 'true');
    const items = () => [...menu.querySelectorAll('[role=menuitem]')];
    items()[0]?.focus();
    const onKeyDown = (evt) => {
        const list = items();
        const at = list.indexOf(document.activeElement);
        const go = (index) => { evt.preventDefault(); list[(index + list.length) % list.length]?.focus(); };
        switch (evt.key) {
            case 'ArrowDown': go(at + 1); break;
            case 'ArrowUp': go(at - 1); break;
            case 'Home': go(0); break;
            case 'End': go(list.length - 1); break;
            case 'Escape':
            case 'Tab':
                evt.preventDefault();
                dotnet.invokeMethodAsync('Close');
                break;
        }
    };
    menu.addEventListener('keydown', onKeyDown);
    window.addEventListener('resize', place);
    return {
        close() {
            menu.removeEventListener('keydown', onKeyDown);
            window.removeEventListener('resize', place);
            anchor?.removeAttribute('aria-expanded');
            if (anchor?.isConnected && (document.activeElement === document.body || menu.contains(document.activeElement) || !document.activeElement)) anchor.focus();
        },
    };
}

// The app's own menus, opened by a button: the board's one "Move to…" menu (MoveToMenu.razor) and the
// user menu (UserMenu.razor). The menu is placed by its button (below it, or above when there is no
// room), focus goes to its first item; arrow keys, Home and End walk the items; Escape or Tab close it
// (through .NET, which stops rendering it); on close focus goes back to the button.
const itemSelector = '[role=menuitem], [role=menuitemradio], [role=menuitemcheckbox]';

// The "Move to…" menu of a card, by the card's id: its button says the menu is open while it is.
export function open(menu, cardId, dotnet) {
    const anchor = document.querySelector(`.kb-sortable__item[data-id='${cardId}'] .kb-card__move`);
    anchor?.setAttribute('aria-expanded', 'true');
    const opened = openAt(menu, anchor, dotnet);
    return {
        close() {
            anchor?.removeAttribute('aria-expanded');
            opened.close();
        },
    };
}

export function openAt(menu, anchor, dotnet) {
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
    // Shown only once placed (CSS): never for a moment at the page's corner, where a click meant for an
    // item would land on whatever is there once the menu moves.
    menu.classList.add('kb-menu--placed');
    const items = () => [...menu.querySelectorAll(itemSelector)];
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
            if (anchor?.isConnected && (document.activeElement === document.body || menu.contains(document.activeElement) || !document.activeElement)) anchor.focus();
        },
    };
}

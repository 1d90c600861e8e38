// The navigation drawer (MainLayout), opened and folded in the browser alone. From 960 px wide it lies
// beside the page and is open unless folded; below, it is folded away and opens over the page. The
// choice is html[data-drawer] ("closed" on a wide screen, "open" on a narrow one; absent: the
// default), which CSS reads; <html> is outside what Blazor renders, so a render never undoes it.
(() => {
    const wide = matchMedia('(min-width: 960px)');
    const root = document.documentElement;
    const isOpen = () => (wide.matches ? root.dataset.drawer !== 'closed' : root.dataset.drawer === 'open');

    // The toggle tells assistive technology whether the drawer is open; Blazor renders the button
    // without aria-expanded, and renders it anew when the circuit starts.
    const sync = () => {
        const open = isOpen() ? 'true' : 'false';
        for (const button of document.querySelectorAll('[data-drawer-toggle]')) {
            if (button.getAttribute('aria-expanded') !== open) button.setAttribute('aria-expanded', open);
        }
    };

    const set = (open) => {
        root.dataset.drawerMoved = '';
        if (open === wide.matches) delete root.dataset.drawer;
        else root.dataset.drawer = open ? 'open' : 'closed';
        sync();
    };

    document.addEventListener('click', (event) => {
        const target = event.target instanceof Element ? event.target : null;
        if (!target) return;
        if (target.closest('[data-drawer-toggle]')) set(!isOpen());
        else if (target.closest('[data-drawer-close]')) set(false);
        // A link taken on a phone folds the drawer away (Blazor's router handles the link itself).
        else if (!wide.matches && target.closest('#kb-drawer a[href]')) set(false);
    });

    // Escape folds a drawer that lies over the page, and gives the focus back to its button.
    document.addEventListener('keydown', (event) => {
        if (event.key !== 'Escape' || wide.matches || !isOpen()) return;
        set(false);
        document.querySelector('[data-drawer-toggle]')?.focus();
    });

    // Across the breakpoint the drawer goes back to that width's default.
    wide.addEventListener('change', () => {
        delete root.dataset.drawer;
        delete root.dataset.drawerMoved;
        sync();
    });

    // The page's own elements are the body's children: they are replaced when the circuit starts
    // (its first render takes over the prerendered page), not when a board re-renders within them.
    new MutationObserver(sync).observe(document.body, { childList: true });
    sync();
})();

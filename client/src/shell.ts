import { h, replace, type Child } from './dom';

export type PageName = 'home' | 'graph' | 'settings';

/** The page frame: skip link target, header with navigation, a live region, the main area. */
export function shell(root: HTMLElement, page: PageName, ...content: Child[]): HTMLElement {
  const link = (href: string, name: PageName, text: string) =>
    h('a', { href, class: 'nav-link', ...(page === name ? { 'aria-current': 'page' } : {}) }, text);
  const main = h('main', { id: 'main', tabindex: '-1', class: `page page-${page}` }, ...content);
  replace(
    root,
    h(
      'header',
      { class: 'app-header' },
      h(
        'a',
        { href: '/', class: 'brand' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
        'Flowgate',
      ),
      h(
        'nav',
        { 'aria-label': 'Main' },
        link('/graph', 'graph', 'Data-flow graph'),
        link('/settings', 'settings', 'Preference centre'),
      ),
    ),
    h('div', { id: 'announcer', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }),
    main,
  );
  return main;
}

/** A message box: `error` is announced at once (role=alert), `info` politely. */
export function notice(kind: 'error' | 'info' | 'success', ...children: Child[]): HTMLElement {
  return h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    ...children,
  );
}

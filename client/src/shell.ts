import { h, replace, type Child } from './dom';

export type PageName = 'home' | 'graph' | 'settings';

/** The header's words; the preference centre passes them in the user's language. */
export interface ShellWords {
  graph: string;
  settings: string;
  nav: string;
}
let words: ShellWords = { graph: 'Data-flow graph', settings: 'Preference centre', nav: 'Main' };

/** Sets the header's words for this page. */
export function setShellWords(next: ShellWords): void {
  words = next;
}

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
        { 'aria-label': words.nav },
        link('/graph', 'graph', words.graph),
        link('/settings', 'settings', words.settings),
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

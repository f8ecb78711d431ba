import { h } from './dom';
import { shell } from './shell';

export function mountHome(root: HTMLElement): void {
  shell(
    root,
    'home',
    h('h1', {}, 'Flowgate'),
    h('p', { class: 'lead' }, 'Where personal data goes, to which vendors, and on whose consent.'),
    h(
      'div',
      { class: 'cards' },
      h(
        'a',
        { class: 'card', href: '/graph' },
        h('h2', {}, 'Data-flow graph'),
        h(
          'p',
          {},
          'For the privacy team: every field, every subprocessor, in the EU/EEA or not, and on which consent. Needs the admin token.',
        ),
      ),
      h(
        'a',
        { class: 'card', href: '/settings' },
        h('h2', {}, 'Preference centre'),
        h(
          'p',
          {},
          'For users: what each vendor receives, where, and why; switch off what you do not want.',
        ),
      ),
    ),
  );
}

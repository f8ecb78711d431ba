/**
 * /settings — the end user's preference centre. Signs in through the demo login in demo
 * mode; otherwise the host application passes a user token in the URL fragment
 * (`/settings#token=…`, never sent to a server) and the page keeps it for the tab session.
 */
import type { GraphResponse } from '../../../src/graph/graph.types';
import { ApiError, apiBlob, apiJson, tokens } from '../api';
import { announce, download, formatDate, h, replace, uid } from '../dom';
import { YOUR_REASON_LABEL } from '../labels';
import '../preferences/flowgate-preferences';
import type { ChangeDetail, ErrorDetail } from '../preferences/preference-centre';
import { notice, shell } from '../shell';
import type { DemoLogin, HistoryPage, PreferencesResponse } from './preferences.types';

const SAMPLE_USERS = ['ada@example.com', 'grace@example.com', 'alan@example.com'];

export async function mountSettingsPage(root: HTMLElement): Promise<void> {
  const fromHost = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
  if (fromHost) {
    tokens.user.set(decodeURIComponent(fromHost[1]));
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = tokens.user.get();
  if (!token) return mountLogin(root);
  let prefs: PreferencesResponse;
  try {
    prefs = await apiJson<PreferencesResponse>('/api/v1/me/preferences', { token });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      tokens.user.clear();
      return mountLogin(root, `${error.message}. Sign in again.`);
    }
    shell(root, 'settings', h('h1', {}, 'Your privacy choices'), notice('error', messageOf(error)));
    return;
  }
  new SettingsPage(root, token, prefs).render();
}

function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const problems = error.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    return problems.length > 0 ? problems.join('; ') : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function mountLogin(root: HTMLElement, problem?: string): void {
  const inputId = uid('user-id');
  const hintId = uid('user-id-hint');
  const status = h('div', { 'aria-live': 'assertive' }, problem ? notice('error', problem) : null);
  const input = h('input', {
    id: inputId,
    name: 'user-id',
    type: 'text',
    autocomplete: 'username',
    spellcheck: 'false',
    required: true,
    maxlength: 128,
    'aria-describedby': hintId,
  });
  const login = async (userId: string) => {
    if (!/^[A-Za-z0-9._:@+-]{1,128}$/.test(userId)) {
      replace(status, notice('error', 'A user id is 1 to 128 letters, digits or . _ : @ + -'));
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    try {
      const session = await apiJson<DemoLogin>('/api/v1/demo/login', {
        method: 'POST',
        body: { userId },
      });
      tokens.user.set(session.token);
      await mountSettingsPage(root);
      document.getElementById('main')?.focus();
    } catch (error) {
      const text =
        error instanceof ApiError && (error.status === 404 || error.code === 'DEMO_LOGIN_DISABLED')
          ? 'The demo sign-in is off on this server. Open this page from your application, which signs you in.'
          : messageOf(error);
      replace(status, notice('error', text));
    }
  };
  const form = h(
    'form',
    {
      class: 'card token-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void login(input.value.trim());
      },
    },
    h('h2', {}, 'Sign in (demo)'),
    h('label', { for: inputId }, 'User id'),
    h(
      'p',
      { id: hintId, class: 'hint' },
      'In this demo any id works; in production your application signs you in.',
    ),
    input,
    status,
    h('button', { type: 'submit', class: 'button primary' }, 'Sign in'),
    h(
      'div',
      { class: 'inline wrap', role: 'group', 'aria-label': 'Sample users' },
      h('span', { class: 'hint' }, 'Or try:'),
      SAMPLE_USERS.map((id) =>
        h('button', { type: 'button', class: 'button small', onclick: () => void login(id) }, id),
      ),
    ),
  );
  shell(root, 'settings', h('h1', {}, 'Your privacy choices'), form);
  input.focus();
}

/**
 * The signed-in page: the choices are the <flowgate-preferences> element (the same code a
 * host application embeds); around it, what only Flowgate's own page shows: who is signed
 * in, "My data flows" (the graph), the history and the consent receipt.
 */
class SettingsPage {
  private readonly toast = h('div', { class: 'toast-area', role: 'status', 'aria-live': 'polite' });
  private readonly graphArea = h('div', { class: 'my-graph' });
  private readonly historyArea = h('div', { class: 'history' });
  private readonly element = document.createElement('flowgate-preferences');

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
    private prefs: PreferencesResponse,
  ) {}

  render(): void {
    this.element.setAttribute('base-url', window.location.origin);
    this.element.addEventListener('flowgate-change', (event) => {
      this.prefs = (event as CustomEvent<ChangeDetail>).detail.preferences;
      void this.renderGraph();
      void this.renderHistory();
    });
    this.element.addEventListener('flowgate-error', (event) => {
      if ((event as CustomEvent<ErrorDetail>).detail.status === 401) this.signOut();
    });
    this.element.token = this.token;
    const main = shell(
      this.root,
      'settings',
      h(
        'div',
        { class: 'settings-head' },
        h('h1', {}, 'Your privacy choices'),
        h(
          'p',
          { class: 'muted' },
          'Signed in as ',
          h('strong', { 'data-user': this.prefs.userId }, this.prefs.userId),
          ' · ',
          h(
            'button',
            { type: 'button', class: 'button link', onclick: () => this.signOut() },
            'Sign out',
          ),
        ),
      ),
      h(
        'nav',
        { 'aria-label': 'On this page', class: 'inline wrap page-nav' },
        h('a', { href: '#choices' }, 'Choices'),
        h('a', { href: '#my-data-flows' }, 'My data flows'),
        h('a', { href: '#my-history' }, 'My history'),
        h('a', { href: '#receipt' }, 'My consent receipt'),
      ),
      this.toast,
      h('section', { id: 'choices', 'aria-label': 'Choices' }, this.element),
      h(
        'section',
        { id: 'my-data-flows', 'aria-labelledby': 'flows-title' },
        h('h2', { id: 'flows-title' }, 'My data flows'),
        h(
          'p',
          { class: 'hint' },
          'What goes where under your current choices: green lines go, red lines ending in a bar are blocked.',
        ),
        this.graphArea,
      ),
      h(
        'section',
        { id: 'my-history', 'aria-labelledby': 'history-title' },
        h('h2', { id: 'history-title' }, 'My history'),
        this.historyArea,
      ),
      h(
        'section',
        { id: 'receipt', 'aria-labelledby': 'receipt-title' },
        h('h2', { id: 'receipt-title' }, 'My consent receipt'),
        h(
          'p',
          { class: 'hint' },
          'A record of your current choices, in the Kantara consent receipt format (JSON). The signed copy is the same record as a JWT that anyone can check against this service’s public key (/api/v1/receipts/keys).',
        ),
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => void this.downloadReceipt('json') },
          'Download my consent receipt',
        ),
        ' ',
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => void this.downloadReceipt('jwt') },
          'Download a signed copy',
        ),
      ),
    );
    main.classList.add('settings');
    void this.renderGraph();
    void this.renderHistory();
  }

  private async renderGraph(): Promise<void> {
    try {
      const graph = await apiJson<GraphResponse>('/api/v1/me/graph', { token: this.token });
      const { GraphView } = await import('../graph/graph-view');
      const { flowTable } = await import('../graph/flow-table');
      let canvas = this.graphArea.querySelector<HTMLElement>('.my-cy');
      if (!canvas) {
        canvas = h('div', { class: 'cy my-cy', role: 'img', 'aria-label': 'My data flows' });
        const list = h(
          'details',
          { class: 'flow-list' },
          h('summary', {}, 'My data flows, as a list'),
          h('div', { class: 'flow-table-wrap' }),
        );
        replace(this.graphArea, h('div', { class: 'cy-scroll my-cy-scroll', tabindex: 0, role: 'region', 'aria-label': 'My data flows, scrolls when bigger than the screen' }, canvas), list);
        this.view = new GraphView({ container: canvas, onSelect: () => undefined });
      }
      await this.view!.render(graph);
      const sent = graph.edges.filter((e) => e.kind === 'sent');
      const going = sent.filter((e) => e.user?.allowed).length;
      canvas.setAttribute(
        'aria-label',
        `My data flows: ${going} of ${sent.length} lines of data go to vendors now, ${sent.length - going} are blocked. The list below has each one.`,
      );
      replace(
        this.graphArea.querySelector('.flow-table-wrap')!,
        flowTable(graph, {}, (id) => this.view?.select(id), {
          reasons: YOUR_REASON_LABEL,
          userColumn: 'Now',
        }),
      );
    } catch (error) {
      replace(
        this.graphArea,
        notice('error', `Could not draw your data flows: ${messageOf(error)}`),
      );
    }
  }

  private view: import('../graph/graph-view').GraphView | null = null;

  private async renderHistory(before?: number): Promise<void> {
    try {
      const page = await apiJson<HistoryPage>(
        `/api/v1/me/history?limit=20${before ? `&before=${before}` : ''}`,
        { token: this.token },
      );
      const flows = new Map(
        this.prefs.purposes.flatMap((p) =>
          p.flows.map((f) => [f.key, `${f.subprocessor.name} · ${p.name}`] as const),
        ),
      );
      const rows = page.items.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, formatDate(e.recordedAt)),
          h(
            'td',
            {},
            e.flowKey
              ? (flows.get(e.flowKey) ?? e.flowKey)
              : 'All opt-out vendors (Global Privacy Control)',
          ),
          h('td', {}, e.choice === 'granted' ? 'Switched on' : 'Switched off'),
          h(
            'td',
            {},
            e.source === 'preference-centre'
              ? 'You, here'
              : e.source === 'gpc'
                ? 'Your browser (GPC)'
                : e.source === 'import'
                  ? 'Imported'
                  : `On your behalf (${e.actor})`,
          ),
        ),
      );
      const table =
        page.items.length === 0
          ? h('p', { class: 'hint' }, 'No choices recorded yet: the defaults apply.')
          : h(
              'table',
              { class: 'flow-table history-table' },
              h('caption', { class: 'visually-hidden' }, 'Your consent history, newest first'),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, 'When'),
                  h('th', { scope: 'col' }, 'What'),
                  h('th', { scope: 'col' }, 'Choice'),
                  h('th', { scope: 'col' }, 'By'),
                ),
              ),
              h('tbody', {}, rows),
            );
      const more =
        page.nextBefore !== null
          ? h(
              'button',
              {
                type: 'button',
                class: 'button',
                onclick: () => void this.renderHistory(page.nextBefore!),
              },
              'Older choices',
            )
          : null;
      const newest = before
        ? h(
            'button',
            { type: 'button', class: 'button link', onclick: () => void this.renderHistory() },
            'Back to the newest',
          )
        : null;
      replace(this.historyArea, table, h('div', { class: 'inline' }, newest, more));
    } catch (error) {
      replace(
        this.historyArea,
        notice('error', `Could not load your history: ${messageOf(error)}`),
      );
    }
  }

  private async downloadReceipt(format: 'json' | 'jwt'): Promise<void> {
    try {
      const name = `consent-receipt-${this.prefs.userId}`;
      if (format === 'json') {
        const receipt = await apiJson<unknown>('/api/v1/me/receipt', { token: this.token });
        download(new Blob([`${JSON.stringify(receipt, null, 2)}\n`], { type: 'application/json' }), `${name}.json`);
      } else {
        download(await apiBlob('/api/v1/me/receipt?format=jwt', { token: this.token }), `${name}.jwt`);
      }
      announce(format === 'json' ? 'Your consent receipt downloaded.' : 'Your signed consent receipt downloaded.');
    } catch (error) {
      replace(this.toast, notice('error', `Could not make your receipt: ${messageOf(error)}`));
    }
  }

  private signOut(): void {
    tokens.user.clear();
    void mountSettingsPage(this.root);
  }
}

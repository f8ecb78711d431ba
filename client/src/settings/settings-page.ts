/**
 * /settings — the end user's preference centre. Signs in through the demo login in demo
 * mode; otherwise the host application passes a user token in the URL fragment
 * (`/settings#token=…`, never sent to a server) and the page keeps it for the tab session.
 * The choices are the <flowgate-preferences> element; the page speaks the same language
 * (`?lang=de`, else the browser's languages).
 */
import type { DemoLoginResponse as DemoLogin, GraphResponse, HistoryPage, PreferencesResponse, SubprocessorNode } from '@flowgate/core';
import { ApiError, apiBlob, apiJson, tokens } from '../api';
import { announce, download, h, replace, uid } from '../dom';
import '../preferences/flowgate-preferences';
import { catalogTranslator, pickLanguage, translator, type Language, type MessageKey } from '../preferences/messages';
import type { ChangeDetail, ErrorDetail } from '../preferences/preference-centre';
import { notice, setShellWords, shell } from '../shell';
import { SETTINGS_CATALOGS, type SettingsKey } from './settings-messages';

const SAMPLE_USERS = ['ada@example.com', 'grace@example.com', 'alan@example.com'];

type T = (key: SettingsKey, params?: Record<string, string | number>) => string;

interface Speech {
  language: Language;
  t: T;
}

/** The page's language: `?lang=` (a host framing the page passes it), else the browser's. */
function speech(): Speech {
  const language = pickLanguage([new URLSearchParams(window.location.search).get('lang'), ...(navigator.languages ?? [navigator.language])]);
  const t = catalogTranslator<SettingsKey>(SETTINGS_CATALOGS[language], language);
  document.documentElement.lang = language;
  document.title = t('page.title');
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('skip');
  setShellWords({ graph: t('shell.graph'), settings: t('shell.settings'), nav: t('shell.nav') });
  return { language, t };
}

export async function mountSettingsPage(root: HTMLElement): Promise<void> {
  const s = speech();
  const fromHost = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
  if (fromHost) {
    tokens.user.set(decodeURIComponent(fromHost[1]));
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = tokens.user.get();
  if (!token) return mountLogin(root, s);
  let prefs: PreferencesResponse;
  try {
    prefs = await apiJson<PreferencesResponse>('/api/v1/me/preferences', { token });
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      tokens.user.clear();
      return mountLogin(root, s, s.t('login.again', { message: error.message }));
    }
    shell(root, 'settings', h('h1', {}, s.t('title')), notice('error', messageOf(error)));
    return;
  }
  new SettingsPage(root, token, prefs, s).render();
}

function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const problems = error.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    return problems.length > 0 ? problems.join('; ') : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function mountLogin(root: HTMLElement, { t }: Speech, problem?: string): void {
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
      replace(status, notice('error', t('login.invalid')));
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
          ? t('login.disabled')
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
    h('h2', {}, t('login.heading')),
    h('label', { for: inputId }, t('login.label')),
    h('p', { id: hintId, class: 'hint' }, t('login.hint')),
    input,
    status,
    h('button', { type: 'submit', class: 'button primary' }, t('login.submit')),
    h(
      'div',
      { class: 'inline wrap', role: 'group', 'aria-label': t('login.samples') },
      h('span', { class: 'hint' }, t('login.or')),
      SAMPLE_USERS.map((id) =>
        h('button', { type: 'button', class: 'button small', onclick: () => void login(id) }, id),
      ),
    ),
  );
  shell(root, 'settings', h('h1', {}, t('title')), form);
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
  private readonly t: T;
  /** The element's catalog, for the words both say (modes, reasons). */
  private readonly et: (key: MessageKey) => string;

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
    private prefs: PreferencesResponse,
    private readonly speech: Speech,
  ) {
    this.t = speech.t;
    this.et = translator(speech.language);
  }

  render(): void {
    const { t } = this;
    this.element.setAttribute('base-url', window.location.origin);
    this.element.setAttribute('lang', this.speech.language);
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
        h('h1', {}, t('title')),
        h(
          'p',
          { class: 'muted' },
          t('signed-in'),
          h('strong', { 'data-user': this.prefs.userId }, this.prefs.userId),
          ' · ',
          h('button', { type: 'button', class: 'button link', onclick: () => this.signOut() }, t('sign-out')),
        ),
      ),
      h(
        'nav',
        { 'aria-label': t('nav.label'), class: 'inline wrap page-nav' },
        h('a', { href: '#choices' }, t('nav.choices')),
        h('a', { href: '#my-data-flows' }, t('nav.flows')),
        h('a', { href: '#my-history' }, t('nav.history')),
        h('a', { href: '#receipt' }, t('nav.receipt')),
      ),
      this.toast,
      h('section', { id: 'choices', 'aria-label': t('nav.choices') }, this.element),
      h(
        'section',
        { id: 'my-data-flows', 'aria-labelledby': 'flows-title' },
        h('h2', { id: 'flows-title' }, t('nav.flows')),
        h('p', { class: 'hint' }, t('flows.hint')),
        this.graphArea,
      ),
      h(
        'section',
        { id: 'my-history', 'aria-labelledby': 'history-title' },
        h('h2', { id: 'history-title' }, t('nav.history')),
        this.historyArea,
      ),
      h(
        'section',
        { id: 'receipt', 'aria-labelledby': 'receipt-title' },
        h('h2', { id: 'receipt-title' }, t('nav.receipt')),
        h('p', { class: 'hint' }, t('receipt.hint')),
        h('button', { type: 'button', class: 'button', onclick: () => void this.downloadReceipt('json') }, t('receipt.json')),
        ' ',
        h('button', { type: 'button', class: 'button', onclick: () => void this.downloadReceipt('jwt') }, t('receipt.jwt')),
      ),
    );
    main.classList.add('settings');
    void this.renderGraph();
    void this.renderHistory();
  }

  private async renderGraph(): Promise<void> {
    const { t, et } = this;
    try {
      const graph = await apiJson<GraphResponse>('/api/v1/me/graph', { token: this.token });
      const { GraphView } = await import('../graph/graph-view');
      const { flowTable } = await import('../graph/flow-table');
      const sensitivity = {
        special: t('sens.special'),
        personal: t('sens.personal'),
        pseudonymous: t('sens.pseudonymous'),
        none: t('sens.none'),
      };
      const buckets = { eea: t('bucket.eea'), 'third-country': t('bucket.third-country'), 'not-stated': t('bucket.not-stated') };
      let canvas = this.graphArea.querySelector<HTMLElement>('.my-cy');
      if (!canvas) {
        canvas = h('div', { class: 'cy my-cy', role: 'img', 'aria-label': t('nav.flows') });
        const list = h(
          'details',
          { class: 'flow-list' },
          h('summary', {}, t('flows.list')),
          h('div', { class: 'flow-table-wrap' }),
        );
        replace(
          this.graphArea,
          h('div', { class: 'cy-scroll my-cy-scroll', tabindex: 0, role: 'region', 'aria-label': t('flows.scroller') }, canvas),
          list,
        );
        this.view = new GraphView({
          container: canvas,
          onSelect: () => undefined,
          words: { sensitivity, notStated: t('bucket.not-stated').toLowerCase(), buckets },
        });
      }
      await this.view!.render(graph);
      const sent = graph.edges.filter((e) => e.kind === 'sent');
      const going = sent.filter((e) => e.user?.allowed).length;
      canvas.setAttribute('aria-label', t('flows.canvas', { going, total: sent.length, blocked: sent.length - going }));
      const where = (s: SubprocessorNode) => (s.locations.length > 0 ? `${buckets[s.bucket]}: ${s.locations.join(', ')}` : buckets[s.bucket]);
      replace(
        this.graphArea.querySelector('.flow-table-wrap')!,
        flowTable(graph, {}, (id) => this.view?.select(id), {
          reasons: {
            undeclared: et('reason.undeclared'),
            excluded: et('reason.excluded'),
            'opted-out': et('reason.opted-out'),
            'not-opted-in': et('reason.not-opted-in'),
            'no-flow': et('reason.no-flow'),
            'stale-consent': et('reason.stale-consent'),
            'policy-unavailable': et('reason.policy-unavailable'),
            'not-yet-effective': et('reason.not-yet-effective'),
            'personal-value': et('reason.personal-value'),
            unreadable: et('reason.unreadable'),
          },
          userColumn: t('table.now'),
          words: {
            caption: t('table.caption'),
            field: t('table.field'),
            to: t('table.to'),
            where: t('table.where'),
            purpose: t('table.purpose'),
            mode: t('table.mode'),
            actions: t('table.actions'),
            allowed: t('table.allowed'),
            blocked: t('table.blocked'),
            details: t('table.details'),
            detailsOf: (field, vendor) => t('table.details-of', { field, vendor }),
            fieldDetails: (name) => t('table.field-details', { name }),
            notSent: t('table.not-sent'),
            first: (max, total) => t('table.first', { max, total }),
            nothing: t('table.nothing'),
            notDrawn: t('table.not-drawn'),
            sensitivity,
            modes: { required: et('mode.required'), 'opt-out': et('mode.opt-out'), 'opt-in': et('mode.opt-in') },
            whereOf: where,
          },
        }),
      );
    } catch (error) {
      replace(this.graphArea, notice('error', t('flows.error', { message: messageOf(error) })));
    }
  }

  private view: import('../graph/graph-view').GraphView | null = null;

  private when(iso: string): string {
    const d = new Date(iso);
    return Number.isNaN(d.getTime())
      ? iso
      : d.toLocaleString(this.speech.language, { dateStyle: 'medium', timeStyle: 'short' });
  }

  private async renderHistory(before?: number): Promise<void> {
    const { t } = this;
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
          h('td', {}, this.when(e.recordedAt)),
          h('td', {}, e.flowKey ? (flows.get(e.flowKey) ?? e.flowKey) : t('history.gpc')),
          h('td', {}, e.choice === 'granted' ? t('history.on') : t('history.off')),
          h(
            'td',
            {},
            e.source === 'preference-centre'
              ? t('by.you')
              : e.source === 'gpc'
                ? t('by.gpc')
                : e.source === 'import'
                  ? t('by.import')
                  : t('by.other', { actor: e.actor }),
          ),
        ),
      );
      const table =
        page.items.length === 0
          ? h('p', { class: 'hint' }, t('history.none'))
          : h(
              'table',
              { class: 'flow-table history-table' },
              h('caption', { class: 'visually-hidden' }, t('history.caption')),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, t('history.when')),
                  h('th', { scope: 'col' }, t('history.what')),
                  h('th', { scope: 'col' }, t('history.choice')),
                  h('th', { scope: 'col' }, t('history.by')),
                ),
              ),
              h('tbody', {}, rows),
            );
      const more =
        page.nextBefore !== null
          ? h('button', { type: 'button', class: 'button', onclick: () => void this.renderHistory(page.nextBefore!) }, t('history.older'))
          : null;
      const newest = before
        ? h('button', { type: 'button', class: 'button link', onclick: () => void this.renderHistory() }, t('history.newest'))
        : null;
      replace(this.historyArea, table, h('div', { class: 'inline' }, newest, more));
    } catch (error) {
      replace(this.historyArea, notice('error', t('history.error', { message: messageOf(error) })));
    }
  }

  private async downloadReceipt(format: 'json' | 'jwt'): Promise<void> {
    const { t } = this;
    try {
      const name = `consent-receipt-${this.prefs.userId}`;
      if (format === 'json') {
        const receipt = await apiJson<unknown>('/api/v1/me/receipt', { token: this.token });
        download(new Blob([`${JSON.stringify(receipt, null, 2)}\n`], { type: 'application/json' }), `${name}.json`);
      } else {
        download(await apiBlob('/api/v1/me/receipt?format=jwt', { token: this.token }), `${name}.jwt`);
      }
      announce(format === 'json' ? t('receipt.done.json') : t('receipt.done.jwt'));
    } catch (error) {
      replace(this.toast, notice('error', t('receipt.error', { message: messageOf(error) })));
    }
  }

  private signOut(): void {
    tokens.user.clear();
    void mountSettingsPage(this.root);
  }
}

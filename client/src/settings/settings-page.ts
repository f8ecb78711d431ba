/**
 * /settings — the end user's preference centre. Signs in through the demo login in demo
 * mode; otherwise the host application passes a user token in the URL fragment
 * (`/settings#token=…`, never sent to a server) and the page keeps it for the tab session.
 */
import type { GraphResponse } from '../../../src/graph/graph.types';
import { ApiError, apiBlob, apiJson, tokens } from '../api';
import { announce, download, formatDate, h, replace, uid, type Child } from '../dom';
import {
  LEGAL_BASIS_LABEL,
  MODE_LABEL,
  REGION_LABEL,
  SENSITIVITY_LABEL,
  YOUR_REASON_LABEL,
} from '../labels';
import { notice, shell } from '../shell';
import type {
  DemoLogin,
  FlowPreference,
  HistoryPage,
  PreferencesResponse,
} from './preferences.types';

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
  new PreferenceCentre(root, token, prefs).render();
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

const regionNames =
  typeof Intl.DisplayNames === 'function'
    ? new Intl.DisplayNames(['en'], { type: 'region' })
    : null;

function countries(locations: readonly string[]): string {
  if (locations.length === 0) return 'location not stated by the company';
  return locations
    .map((c) =>
      c === 'EU' ? 'the EU' : c === 'EEA' ? 'the EEA' : /^[A-Z]{2}$/.test(c) ? (regionNames?.of(c) ?? c) : c.replace('-', ' '),
    )
    .join(', ');
}

const REQUIRED_WHY: Record<string, string> = {
  contract: 'needed to provide the service you signed up for',
  'legitimate-interests': 'needed to run the service safely',
  'legal-obligation': 'required by law',
  consent: 'required',
  'not-stated': 'the company says it needs this to provide the service, and has not stated its legal basis',
};

interface Saved {
  flow: FlowPreference;
  previous: boolean;
  granted: boolean;
}

class PreferenceCentre {
  private readonly toast = h('div', { class: 'toast-area', role: 'status', 'aria-live': 'polite' });
  private readonly list = h('div', { class: 'purposes' });
  private readonly graphArea = h('div', { class: 'my-graph' });
  private readonly historyArea = h('div', { class: 'history' });
  private readonly summary = h('p', { class: 'lead' });
  private busy = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
    private prefs: PreferencesResponse,
  ) {}

  render(): void {
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
      this.summary,
      this.prefs.gpc
        ? notice(
            'info',
            'Your browser sends Global Privacy Control: opt-out vendors you have not chosen for are off.',
          )
        : null,
      h(
        'nav',
        { 'aria-label': 'On this page', class: 'inline wrap page-nav' },
        h('a', { href: '#choices' }, 'Choices'),
        h('a', { href: '#my-data-flows' }, 'My data flows'),
        h('a', { href: '#my-history' }, 'My history'),
        h('a', { href: '#receipt' }, 'My consent receipt'),
      ),
      this.toast,
      h(
        'section',
        { id: 'choices', 'aria-labelledby': 'choices-title' },
        h('h2', { id: 'choices-title' }, 'Who gets what, and why'),
        this.list,
      ),
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
    this.renderList();
    void this.renderGraph();
    void this.renderHistory();
  }

  private renderList(focusFlow?: string): void {
    const flows = this.prefs.purposes.flatMap((p) => p.flows);
    const going = flows.filter((f) => f.status === 'allowed').length;
    replace(
      this.summary,
      `${going} of ${flows.length} data flows go to vendors now. Switch off what you do not want; required ones are needed for the service.`,
    );
    // Purposes with a choice to make first; those that are always on after them.
    const choosable = (p: PreferencesResponse['purposes'][number]) =>
      p.flows.some((f) => f.canChange);
    const ordered = [
      ...this.prefs.purposes.filter(choosable),
      ...this.prefs.purposes.filter((p) => !choosable(p)),
    ];
    replace(
      this.list,
      ordered.map((p) =>
        h(
          'section',
          { class: 'purpose', 'aria-labelledby': `purpose-${p.key}` },
          h('h3', { id: `purpose-${p.key}` }, p.name),
          p.description ? h('p', { class: 'muted' }, p.description) : null,
          p.flows.map((f) => this.flowCard(f)),
        ),
      ),
    );
    if (focusFlow)
      this.list
        .querySelector<HTMLElement>(`[data-flow="${CSS.escape(focusFlow)}"] [role="switch"]`)
        ?.focus();
  }

  private flowCard(f: FlowPreference): HTMLElement {
    const titleId = `flow-${f.key}`;
    const stateId = `flow-${f.key}-state`;
    const on = f.status === 'allowed';
    const sw = f.canChange
      ? h(
          'button',
          {
            type: 'button',
            role: 'switch',
            class: 'switch',
            'aria-checked': String(on),
            'aria-labelledby': titleId,
            'aria-describedby': stateId,
            onclick: () => void this.change(f, !on),
          },
          h(
            'span',
            { class: 'switch-track', 'aria-hidden': 'true' },
            h('span', { class: 'switch-thumb' }),
          ),
          h('span', { class: 'switch-text', 'aria-hidden': 'true' }, on ? 'On' : 'Off'),
        )
      : h(
          'button',
          {
            type: 'button',
            role: 'switch',
            class: 'switch locked',
            'aria-checked': 'true',
            'aria-disabled': 'true',
            'aria-labelledby': titleId,
            'aria-describedby': stateId,
            onclick: () =>
              announce(`${f.subprocessor.name} is required and cannot be switched off.`),
          },
          lockIcon(),
          h('span', { class: 'switch-text' }, 'Required'),
        );
    const state: Child = f.canChange
      ? f.status === 'allowed'
        ? `On${f.feature ? ` while you use ${f.feature}` : ''}: ${f.subprocessor.name} receives this${f.mode === 'opt-out' && !f.choice ? ' (the default; you can switch it off)' : ''}.`
        : f.feature
          ? `On while you use ${f.feature}: off now, because you are not using it.`
          : `Off: ${f.reason ? YOUR_REASON_LABEL[f.reason] : 'not shared'}.`
      : `Always on: ${REQUIRED_WHY[f.legalBasis] ?? 'required'}.`;
    const names = (list: FlowPreference['fields']) =>
      list.length === 0
        ? h('span', { class: 'muted' }, 'nothing listed')
        : list.map((x) => x.name).join(', ');
    return h(
      'article',
      { class: `flow-card${f.needsReconsent ? ' attention' : ''}`, 'data-flow': f.key },
      h(
        'div',
        { class: 'flow-head' },
        h(
          'div',
          {},
          h(
            'h4',
            { id: titleId },
            f.subprocessor.name,
            h('span', { class: 'visually-hidden' }, ` for ${this.purposeName(f)}`),
          ),
          h(
            'div',
            { class: 'inline wrap tags' },
            h('span', { class: `tag tag-${f.mode}` }, MODE_LABEL[f.mode]),
            h(
              'span',
              { class: `tag tag-${f.subprocessor.region}` },
              REGION_LABEL[f.subprocessor.region],
            ),
            f.needsReconsent
              ? h('span', { class: 'tag tag-attention' }, 'Changed: needs your consent again')
              : null,
          ),
        ),
        sw,
      ),
      h('p', { id: stateId, class: 'flow-state' }, state),
      f.needsReconsent
        ? h(
            'div',
            { class: 'notice notice-info' },
            `${f.subprocessor.name} now also receives ${f.newFields.map((k) => f.fields.find((x) => x.key === k)?.name ?? k).join(', ')}. That is blocked until you agree again. `,
            h(
              'button',
              { type: 'button', class: 'button small', onclick: () => void this.change(f, true) },
              `Agree to the new version for ${f.subprocessor.name}`,
            ),
          )
        : null,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Receives'),
        h(
          'dd',
          {},
          f.fieldsStated === false
            ? h('span', { class: 'muted' }, 'not stated by the company')
            : names(f.fields),
          sensitivityNote(f),
        ),
        h('dt', {}, 'Does not get'),
        h('dd', {}, names(f.excludedFields)),
        h('dt', {}, 'Where'),
        h(
          'dd',
          {},
          `${REGION_LABEL[f.subprocessor.region]}: ${countries(f.subprocessor.locations)}`,
        ),
        h('dt', {}, 'Why'),
        h(
          'dd',
          {},
          f.description ?? this.purposeName(f),
          h(
            'span',
            { class: 'muted' },
            f.legalBasis === 'not-stated'
              ? ' (legal basis: not stated by the company)'
              : ` (legal basis: ${LEGAL_BASIS_LABEL[f.legalBasis].toLowerCase()})`,
          ),
        ),
      ),
      h('p', { class: 'saved-note', 'aria-hidden': 'true' }),
    );
  }

  private purposeName(f: FlowPreference): string {
    return this.prefs.purposes.find((p) => p.flows.some((x) => x.key === f.key))?.name ?? f.key;
  }

  private async change(flow: FlowPreference, granted: boolean, undo?: Saved): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const card = this.list.querySelector<HTMLElement>(`[data-flow="${CSS.escape(flow.key)}"]`);
    card?.setAttribute('aria-busy', 'true');
    const previous = flow.status === 'allowed';
    try {
      await apiJson(`/api/v1/me/preferences/${encodeURIComponent(flow.key)}`, {
        method: 'PUT',
        token: this.token,
        body: { granted, flowVersion: flow.version },
      });
      this.prefs = await apiJson<PreferencesResponse>('/api/v1/me/preferences', {
        token: this.token,
      });
      this.renderList(flow.key);
      const now = this.prefs.purposes.flatMap((p) => p.flows).find((f) => f.key === flow.key);
      const what = `${flow.subprocessor.name} (${this.purposeName(flow)})`;
      const text = undo
        ? `Undone: ${what} is ${granted ? 'on' : 'off'} again.`
        : `Saved: ${what} is now ${granted ? 'on' : 'off'}.`;
      replace(
        this.toast,
        h(
          'div',
          { class: 'notice notice-success toast', 'data-saved': flow.key },
          text,
          ' ',
          !undo && now
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'button small',
                  onclick: () => void this.change(now, previous, { flow, previous, granted }),
                },
                'Undo',
              )
            : null,
        ),
      );
      const savedNote = this.list.querySelector<HTMLElement>(
        `[data-flow="${CSS.escape(flow.key)}"] .saved-note`,
      );
      if (savedNote) savedNote.textContent = '✓ Saved';
      void this.renderGraph();
      void this.renderHistory();
    } catch (error) {
      let text = `Not saved: ${messageOf(error)}`;
      if (error instanceof ApiError && error.code === 'FLOW_VERSION_CHANGED') {
        text = `Not saved: what ${flow.subprocessor.name} receives changed meanwhile. Check it below and choose again.`;
        this.prefs = await apiJson<PreferencesResponse>('/api/v1/me/preferences', {
          token: this.token,
        });
        this.renderList(flow.key);
      }
      replace(this.toast, notice('error', text));
    } finally {
      card?.removeAttribute('aria-busy');
      this.busy = false;
    }
  }

  private async renderGraph(): Promise<void> {
    try {
      const graph = await apiJson<GraphResponse>('/api/v1/me/graph', { token: this.token });
      const { GraphView } = await import('../graph/graph-view');
      const { flowTable } = await import('../graph/flow-table');
      let canvas = this.graphArea.querySelector<HTMLElement>('.cy');
      if (!canvas) {
        canvas = h('div', { class: 'cy my-cy', role: 'img', 'aria-label': 'My data flows' });
        const list = h(
          'details',
          { class: 'flow-list' },
          h('summary', {}, 'My data flows, as a list'),
          h('div', { class: 'flow-table-wrap' }),
        );
        replace(this.graphArea, canvas, list);
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

function sensitivityNote(f: FlowPreference): Child {
  const special = f.fields.filter((x) => x.sensitivity === 'special');
  if (special.length === 0) return null;
  return h(
    'span',
    { class: 'muted' },
    ` (${SENSITIVITY_LABEL.special.toLowerCase()} data: ${special.map((x) => x.name).join(', ')})`,
  );
}

/** A padlock drawn in SVG (no emoji font needed). */
function lockIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('lock');
  const shackle = document.createElementNS(ns, 'path');
  shackle.setAttribute('d', 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2');
  shackle.setAttribute('fill', 'none');
  shackle.setAttribute('stroke', 'currentColor');
  shackle.setAttribute('stroke-width', '1.8');
  const body = document.createElementNS(ns, 'rect');
  for (const [k, v] of Object.entries({
    x: '2.5',
    y: '7',
    width: '11',
    height: '8',
    rx: '1.5',
    fill: 'currentColor',
  }))
    body.setAttribute(k, v);
  svg.append(shackle, body);
  return svg;
}

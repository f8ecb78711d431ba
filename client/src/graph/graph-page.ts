/**
 * /graph — the privacy team's view of the data map. Filters become query parameters of
 * GET /api/v1/graph (and of this page's URL, so a view can be shared); the server
 * projects, this page draws.
 */
import type { ConsentMode, ImpactReport, Region, Sensitivity } from '@flowgate/core';
import type { GraphCatalog, GraphResponse } from '@flowgate/core';
import { ApiError, apiBlob, apiJson, queryString, tokens } from '../api';
import { announce, download, formatDate, h, replace, uid } from '../dom';
import { MODE_EXPLAINED, MODE_LABEL, SENSITIVITY_LABEL } from '../labels';
import { notice, shell } from '../shell';
import { renderDetails } from './details';
import { flowTable } from './flow-table';
import { flowsCsv } from './flows-csv';
import { GraphView, type LayoutName, type Overlays, type Selected } from './graph-view';
import { historyTable, loadMapHistory } from './map-history';
import { loadAuditOverlays, type AuditStatus } from './overlays';

export interface GraphFilters {
  field?: string;
  subprocessor?: string;
  purpose?: string;
  mode?: ConsentMode;
  region?: Region;
  sensitivity?: Sensitivity;
  q?: string;
  excluded?: boolean;
  purposes?: boolean;
  user?: string;
}

const FILTER_KEYS = [
  'field',
  'subprocessor',
  'purpose',
  'mode',
  'region',
  'sensitivity',
  'q',
  'user',
] as const;
const FLAG_KEYS = ['excluded', 'purposes'] as const;

export function filtersFromUrl(search: string): GraphFilters {
  const params = new URLSearchParams(search);
  const filters: Record<string, string | boolean> = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  for (const key of FLAG_KEYS) if (params.get(key) === 'true') filters[key] = true;
  return filters as GraphFilters;
}

function graphPath(filters: GraphFilters, edges = true): string {
  return `/api/v1/graph${queryString({ ...filters, edges: edges ? undefined : 'false' })}`;
}

/** Below this width (a phone) the page shows the list of flows first, the graph after it. */
export const NARROW_PX = 600;

/** Above this many lines an unfiltered map first shows its nodes only, and asks. */
export const OVERVIEW_LINES = 5000;

const NARROWING = [
  'field',
  'subprocessor',
  'purpose',
  'mode',
  'region',
  'sensitivity',
  'q',
] as const;

interface Question {
  id: string;
  text: string;
  filters: GraphFilters;
}

/** The privacy team's usual questions, as far as this map can answer them. */
function questions(catalog: GraphCatalog): Question[] {
  const list: Question[] = [];
  const email = catalog.fields.find((f) => /(^|\.)email$/.test(f.key));
  if (email)
    list.push({
      id: 'email',
      text: `Where does ${email.name.toLowerCase()} go?`,
      filters: { field: email.key },
    });
  list.push({
    id: 'leaving-eu',
    text: 'Everything leaving the EU/EEA',
    filters: { region: 'third-country' },
  });
  list.push({ id: 'opt-in', text: 'All opt-in flows', filters: { mode: 'opt-in' } });
  list.push({ id: 'special', text: 'Special-category data', filters: { sensitivity: 'special' } });
  return list;
}

function sameFilters(a: GraphFilters, b: GraphFilters): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof GraphFilters>;
  for (const key of keys) {
    if (key === 'excluded' || key === 'purposes' || key === 'user') continue;
    if ((a[key] ?? undefined) !== (b[key] ?? undefined)) return false;
  }
  return true;
}

export async function mountGraphPage(root: HTMLElement): Promise<void> {
  const token = tokens.admin.get();
  if (!token) return mountTokenForm(root);
  let catalog: GraphCatalog;
  try {
    catalog = await apiJson<GraphCatalog>('/api/v1/graph/catalog', { token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      tokens.admin.clear();
      return mountTokenForm(root, 'That admin token was not accepted. Enter it again.');
    }
    shell(root, 'graph', h('h1', {}, 'Data-flow graph'), notice('error', messageOf(error)));
    return;
  }
  new GraphPage(root, token, catalog).start();
}

function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const problems = error.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    return problems.length > 0 ? problems.join('; ') : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function mountTokenForm(root: HTMLElement, problem?: string): void {
  const inputId = uid('admin-token');
  const hintId = uid('admin-token-hint');
  const error = h('div', { 'aria-live': 'assertive' }, problem ? notice('error', problem) : null);
  const input = h('input', {
    id: inputId,
    name: 'admin-token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    minlength: 16,
    'aria-describedby': hintId,
    ...(problem ? { 'aria-invalid': 'true' } : {}),
  });
  const form = h(
    'form',
    {
      class: 'card token-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (value.length < 16) {
          replace(error, notice('error', 'The admin token has at least 16 characters.'));
          input.setAttribute('aria-invalid', 'true');
          input.focus();
          return;
        }
        tokens.admin.set(value);
        await mountGraphPage(root);
      },
    },
    h('label', { for: inputId }, 'Admin token'),
    h(
      'p',
      { id: hintId, class: 'hint' },
      'The privacy team’s token (FLOWGATE_ADMIN_TOKEN, or the one the server printed at its first start in demo mode). It is kept for this browser tab only.',
    ),
    input,
    error,
    h('button', { type: 'submit', class: 'button primary' }, 'Open the graph'),
  );
  shell(root, 'graph', h('h1', {}, 'Data-flow graph'), form);
  input.focus();
}

class GraphPage {
  private filters: GraphFilters;
  private view!: GraphView;
  private graph: GraphResponse | null = null;
  private overlays: Overlays = {};
  private audit: AuditStatus = { state: 'loading' };
  private request: AbortController | null = null;
  /** The user asked to draw every line of a very large map. */
  private drawAll = false;
  private readonly fieldNames: ReadonlyMap<string, string>;
  private readonly el = {
    summary: h('p', { class: 'summary', id: 'graph-summary' }),
    status: h('div', { 'aria-live': 'polite' }),
    canvas: h('div', {
      id: 'cy',
      class: 'cy',
      role: 'img',
      'aria-label': 'Data-flow graph',
      'aria-describedby': 'graph-summary',
    }),
    details: h('div', { class: 'details-body' }),
    table: h('div', { class: 'flow-table-wrap' }),
    questions: h('div', { class: 'questions', role: 'group', 'aria-label': 'Questions' }),
    audit: h('div', { class: 'audit-status' }),
    history: h('div', { class: 'map-history-body', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Loading the map’s history…')),
    impact: h('div', { class: 'impact', 'aria-live': 'polite' }),
    userStatus: h('div', {}),
    legendUser: h('div', {}),
  };
  private readonly controls: {
    field: HTMLSelectElement;
    subprocessor: HTMLSelectElement;
    purpose: HTMLSelectElement;
    mode: HTMLSelectElement;
    region: HTMLSelectElement;
    sensitivity: HTMLSelectElement;
    q: HTMLInputElement;
    excluded: HTMLInputElement;
    purposes: HTMLInputElement;
    user: HTMLInputElement;
    layout: HTMLSelectElement;
  };

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
    private readonly catalog: GraphCatalog,
  ) {
    this.filters = filtersFromUrl(window.location.search);
    const fields = catalog.fields;
    this.fieldNames = new Map(fields.map((f) => [f.key, f.name]));
    const subprocessors = [...catalog.subprocessors].sort((a, b) => a.name.localeCompare(b.name));
    const purposes = [...catalog.purposes].sort((a, b) => a.name.localeCompare(b.name));
    const select = (name: string, any: string, options: [string, string][]) =>
      h(
        'select',
        { id: `filter-${name}`, name },
        h('option', { value: '' }, any),
        options.map(([v, t]) => h('option', { value: v }, t)),
      );
    this.controls = {
      field: select(
        'field',
        'Any field',
        fields.map((f) => [f.key, `${f.name} (${f.key})`]),
      ),
      subprocessor: select(
        'subprocessor',
        'Any subprocessor',
        subprocessors.map((s) => [s.key, s.name]),
      ),
      purpose: select(
        'purpose',
        'Any purpose',
        purposes.map((p) => [p.key, p.name]),
      ),
      mode: select(
        'mode',
        'Any consent mode',
        (['required', 'opt-out', 'opt-in'] as const).map((m) => [
          m,
          `${MODE_LABEL[m]}: ${MODE_EXPLAINED[m]}`,
        ]),
      ),
      region: select('region', 'Anywhere', [
        ['eea', 'Inside the EU/EEA'],
        ['third-country', 'Leaving the EU/EEA'],
      ]),
      sensitivity: select(
        'sensitivity',
        'Any sensitivity',
        (['special', 'personal', 'pseudonymous', 'none'] as const).map((s) => [
          s,
          SENSITIVITY_LABEL[s],
        ]),
      ),
      q: h('input', {
        id: 'filter-q',
        name: 'q',
        type: 'search',
        autocomplete: 'off',
        placeholder: 'e.g. email, stripe, payments',
      }),
      excluded: h('input', { id: 'filter-excluded', name: 'excluded', type: 'checkbox' }),
      purposes: h('input', { id: 'filter-purposes', name: 'purposes', type: 'checkbox' }),
      user: h('input', {
        id: 'filter-user',
        name: 'user',
        type: 'text',
        autocomplete: 'off',
        spellcheck: 'false',
      }),
      layout: h(
        'select',
        { id: 'graph-layout', name: 'layout' },
        h('option', { value: 'dagre' }, 'Left to right (dagre)'),
        h('option', { value: 'fcose' }, 'Force-directed (fCoSE)'),
        h('option', { value: 'purposes' }, 'Columns: fields → purposes → vendors'),
      ),
    };
  }

  start(): void {
    const c = this.controls;
    const label = (control: HTMLElement, text: string) => h('label', { for: control.id }, text);
    const onChange = () => this.applyControls();
    for (const key of [
      'field',
      'subprocessor',
      'purpose',
      'mode',
      'region',
      'sensitivity',
    ] as const)
      c[key].addEventListener('change', onChange);
    c.excluded.addEventListener('change', onChange);
    c.purposes.addEventListener('change', onChange);
    let typing: number | undefined;
    c.q.addEventListener('input', () => {
      window.clearTimeout(typing);
      typing = window.setTimeout(onChange, 250);
    });
    c.layout.addEventListener('change', () => void this.draw(c.layout.value as LayoutName));

    const userForm = h(
      'form',
      {
        class: 'user-form',
        onsubmit: (event: Event) => {
          event.preventDefault();
          this.setFilters({ ...this.filters, user: c.user.value.trim() || undefined });
        },
      },
      label(c.user, 'User id'),
      h(
        'div',
        { class: 'inline' },
        c.user,
        h('button', { type: 'submit', class: 'button' }, 'Show for this user'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button link',
          onclick: () => this.setFilters({ ...this.filters, user: undefined }),
        },
        'Back to the whole map',
      ),
      this.el.userStatus,
    );

    const filters = h(
      'aside',
      { class: 'filters', 'aria-labelledby': 'filters-title' },
      h('h1', { class: 'page-title' }, 'Data-flow graph'),
      h(
        'p',
        { class: 'muted' },
        `${this.catalog.organization ?? 'Data map'} · version ${this.catalog.mapVersion} · changed ${formatDate(this.catalog.updatedAt)}`,
      ),
      h('h2', { id: 'filters-title' }, 'Ask the map'),
      this.el.questions,
      h(
        'form',
        { class: 'filter-form', onsubmit: (e: Event) => e.preventDefault() },
        h('div', { class: 'control' }, label(c.q, 'Search'), c.q),
        h('div', { class: 'control' }, label(c.field, 'Where does this field go?'), c.field),
        h(
          'div',
          { class: 'control' },
          label(c.subprocessor, 'What does this subprocessor get?'),
          c.subprocessor,
        ),
        h('div', { class: 'control' }, label(c.region, 'Where'), c.region),
        h('div', { class: 'control' }, label(c.mode, 'Consent mode'), c.mode),
        h('div', { class: 'control' }, label(c.purpose, 'Purpose'), c.purpose),
        h('div', { class: 'control' }, label(c.sensitivity, 'Sensitivity'), c.sensitivity),
        h(
          'div',
          { class: 'check' },
          c.excluded,
          label(c.excluded, 'Show what vendors explicitly do not get'),
        ),
        h('div', { class: 'check' }, c.purposes, label(c.purposes, 'Show purposes')),
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => this.setFilters({}) },
          'Show everything',
        ),
      ),
      h('h2', {}, 'One user’s view'),
      h('p', { class: 'hint' }, 'Each line allowed or blocked for this user now, with the reason.'),
      userForm,
      h('h2', {}, 'Audit'),
      this.el.audit,
      // Folded: it must not make the sidebar (and so the canvas) taller.
      h('details', { class: 'impact-panel' }, h('summary', {}, 'Impact of a change'), this.impactForm(), this.el.impact),
      // Who changed the map, when, and what: folded too, for the same reason.
      h('details', { class: 'history-panel' }, h('summary', {}, 'Who changed the map'), this.el.history),
      h('h2', {}, 'Export'),
      h(
        'div',
        { class: 'inline wrap' },
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => this.exportPng() },
          'This view as PNG',
        ),
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => this.exportCsv() },
          'The flows shown as CSV',
        ),
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => void this.exportYaml() },
          'The map as YAML',
        ),
      ),
    );

    const narrow = window.matchMedia(`(max-width: ${NARROW_PX - 1}px)`).matches;
    const flowList = h(
      'details',
      { class: 'flow-list', ...(narrow ? { open: true } : {}) },
      h('summary', {}, 'The flows shown, as a list'),
      this.el.table,
    );
    const canvas = h(
      'section',
      { class: `canvas-area${narrow ? ' narrow' : ''}`, 'aria-label': 'Graph' },
      h(
        'div',
        { class: 'toolbar' },
        this.el.summary,
        h(
          'div',
          { class: 'inline wrap' },
          label(c.layout, 'Layout'),
          c.layout,
          h(
            'button',
            {
              type: 'button',
              class: 'button icon',
              'aria-label': 'Zoom in',
              onclick: () => this.view.zoom(1.25),
            },
            '+',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'button icon',
              'aria-label': 'Zoom out',
              onclick: () => this.view.zoom(0.8),
            },
            '−',
          ),
          h('button', { type: 'button', class: 'button', onclick: () => this.view.fit() }, 'Fit'),
        ),
      ),
      this.el.status,
      // On a phone the list is what reads: it comes first, open; the graph follows.
      narrow ? flowList : null,
      h('div', { class: 'cy-scroll', tabindex: 0, role: 'region', 'aria-label': 'Graph canvas, scrolls when the graph is bigger than the screen' }, this.el.canvas),
      narrow ? null : flowList,
    );

    const details = h(
      'aside',
      { class: 'details', 'aria-labelledby': 'details-title' },
      h('h2', { id: 'details-title' }, 'Details'),
      this.el.details,
      legend(this.el.legendUser),
    );
    replace(
      this.el.details,
      h('p', { class: 'hint' }, 'Select a field, a subprocessor or a line to see its details.'),
    );

    const main = shell(
      this.root,
      'graph',
      h('div', { class: 'graph-layout' }, filters, canvas, details),
    );
    main.classList.add('wide');
    this.view = new GraphView({
      container: this.el.canvas,
      onSelect: (s) => void this.showDetails(s),
    });
    this.renderQuestions();
    this.syncControls();
    void this.loadAudit();
    void this.loadHistory();
    void this.load();
    window.addEventListener('popstate', () => {
      this.filters = filtersFromUrl(window.location.search);
      this.syncControls();
      void this.load();
    });
  }

  private renderQuestions(): void {
    replace(
      this.el.questions,
      questions(this.catalog).map((q) =>
        h(
          'button',
          {
            type: 'button',
            class: 'button question',
            'data-question': q.id,
            'aria-pressed': sameFilters(this.filters, q.filters) ? 'true' : 'false',
            onclick: () =>
              this.setFilters({
                ...q.filters,
                excluded: this.filters.excluded,
                purposes: this.filters.purposes,
                user: this.filters.user,
              }),
          },
          q.text,
        ),
      ),
    );
  }

  private applyControls(): void {
    const c = this.controls;
    const value = <T extends string>(el: HTMLSelectElement | HTMLInputElement) =>
      (el.value.trim() || undefined) as T | undefined;
    this.setFilters({
      field: value(c.field),
      subprocessor: value(c.subprocessor),
      purpose: value(c.purpose),
      mode: value<ConsentMode>(c.mode),
      region: value<Region>(c.region),
      sensitivity: value<Sensitivity>(c.sensitivity),
      q: value(c.q),
      excluded: c.excluded.checked || undefined,
      purposes: c.purposes.checked || undefined,
      user: this.filters.user,
    });
  }

  private showAllLines(): void {
    this.drawAll = true;
    void this.load();
  }

  private setFilters(filters: GraphFilters): void {
    this.drawAll = false;
    this.filters = Object.fromEntries(
      Object.entries(filters).filter(([, v]) => v !== undefined && v !== '' && v !== false),
    ) as GraphFilters;
    const url = `${window.location.pathname}${queryString({ ...this.filters })}`;
    window.history.pushState(null, '', url);
    this.syncControls();
    void this.load();
  }

  private syncControls(): void {
    const c = this.controls;
    c.field.value = this.filters.field ?? '';
    c.subprocessor.value = this.filters.subprocessor ?? '';
    c.purpose.value = this.filters.purpose ?? '';
    c.mode.value = this.filters.mode ?? '';
    c.region.value = this.filters.region ?? '';
    c.sensitivity.value = this.filters.sensitivity ?? '';
    if (document.activeElement !== c.q) c.q.value = this.filters.q ?? '';
    c.excluded.checked = this.filters.excluded === true;
    c.purposes.checked = this.filters.purposes === true;
    c.user.value = this.filters.user ?? '';
    for (const button of this.el.questions.querySelectorAll<HTMLButtonElement>(
      'button[data-question]',
    )) {
      const q = questions(this.catalog).find((x) => x.id === button.dataset.question);
      button.setAttribute(
        'aria-pressed',
        q && sameFilters(this.filters, q.filters) ? 'true' : 'false',
      );
    }
  }

  private async load(): Promise<void> {
    this.request?.abort();
    const request = (this.request = new AbortController());
    this.el.canvas.setAttribute('aria-busy', 'true');
    try {
      const narrowed = NARROWING.some((k) => this.filters[k] !== undefined);
      const overview = !narrowed && !this.drawAll && this.catalog.totals.sentEdges > OVERVIEW_LINES;
      const graph = await apiJson<GraphResponse>(graphPath(this.filters, !overview), {
        token: this.token,
        signal: request.signal,
      });
      if (request.signal.aborted) return;
      replace(this.el.status);
      this.graph = graph;
      await this.draw();
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return;
      if (error instanceof ApiError && error.status === 401) {
        tokens.admin.clear();
        return mountTokenForm(this.root, 'The admin token is no longer accepted. Enter it again.');
      }
      replace(this.el.status, notice('error', messageOf(error)));
    } finally {
      if (this.request === request) this.el.canvas.removeAttribute('aria-busy');
    }
  }

  private async draw(layout?: LayoutName): Promise<void> {
    const graph = this.graph;
    if (!graph) return;
    const stats = await this.view.render(graph, this.overlays, layout);
    if (stats.layout !== 'columns') this.controls.layout.value = stats.layout;
    this.controls.layout.disabled = stats.layout === 'columns';
    const lines = this.catalog.totals.sentEdges.toLocaleString('en-US');
    replace(
      this.el.status,
      graph.query.edges === false
        ? notice(
            'info',
            `This map has ${lines} lines, too many to read at once, so only its fields and subprocessors are drawn. Ask a question or filter to see the lines, or `,
            h(
              'button',
              { type: 'button', class: 'button small', onclick: () => this.showAllLines() },
              `draw all ${lines} lines`,
            ),
            ' (slow).',
          )
        : stats.layout === 'columns'
          ? notice(
              'info',
              `A big graph: ${stats.edges.toLocaleString('en-US')} lines, drawn plainly in columns (colour shows the mode; no arrows, dashes or labels). Ask a question or filter to read it left to right.`,
            )
          : null,
    );
    const text = summarize(graph);
    replace(this.el.summary, text);
    this.el.canvas.setAttribute('aria-label', `Data-flow graph: ${text}`);
    replace(
      this.el.table,
      flowTable(graph, this.overlays, (id) => this.view.select(id)),
    );
    this.renderUserStatus(graph);
    announce(text);
    performance.mark('flowgate:graph-rendered', { detail: stats });
    replace(
      this.el.details,
      h('p', { class: 'hint' }, 'Select a field, a subprocessor or a line to see its details.'),
    );
  }

  private renderUserStatus(graph: GraphResponse): void {
    if (!graph.user) {
      replace(this.el.userStatus);
      replace(this.el.legendUser);
      return;
    }
    const sent = graph.edges.filter((e) => e.kind === 'sent');
    const allowed = sent.filter((e) => e.user?.allowed).length;
    replace(
      this.el.userStatus,
      notice(
        'info',
        `Showing ${graph.user.id}’s consents now: ${allowed} of ${sent.length} lines allowed, ${sent.length - allowed} blocked`,
        graph.user.gpc ? ' (Global Privacy Control on)' : '',
        '.',
      ),
    );
    replace(
      this.el.legendUser,
      h(
        'ul',
        { class: 'legend-list' },
        h(
          'li',
          {},
          h('span', { class: 'swatch line allowed', 'aria-hidden': 'true' }),
          'Green line with arrow: allowed for this user now',
        ),
        h(
          'li',
          {},
          h('span', { class: 'swatch line blocked', 'aria-hidden': 'true' }),
          'Red line ending in a bar: blocked for this user now (the list says why)',
        ),
      ),
    );
  }

  private async loadHistory(): Promise<void> {
    try {
      replace(this.el.history, historyTable(await loadMapHistory(this.token)));
    } catch (error) {
      replace(this.el.history, h('p', { class: 'hint' }, `The map’s history could not be loaded: ${messageOf(error)}`));
    }
  }

  private async loadAudit(): Promise<void> {
    this.audit = await loadAuditOverlays(this.token);
    this.overlays = this.audit.state === 'ready' ? this.audit.overlays : {};
    replace(this.el.audit, auditText(this.audit));
    if (this.graph && this.audit.state === 'ready') await this.draw();
  }

  private async showDetails(selected: Selected | null): Promise<void> {
    if (!selected || !this.graph) {
      replace(
        this.el.details,
        h('p', { class: 'hint' }, 'Select a field, a subprocessor or a line to see its details.'),
      );
      return;
    }
    const content = await renderDetails(selected, this.graph, {
      token: this.token,
      user: this.filters.user,
      overlays: this.overlays,
      fieldNames: this.fieldNames,
      focus: (filters) =>
        this.setFilters({
          ...filters,
          excluded: this.filters.excluded,
          purposes: this.filters.purposes,
          user: this.filters.user,
        }),
    });
    replace(this.el.details, content);
    const heading = this.el.details.querySelector<HTMLElement>('h3');
    heading?.setAttribute('tabindex', '-1');
  }

  /** A manifest file, read as a dry run: who and what would change outcome (nothing is imported). */
  private impactForm(): HTMLElement {
    const file = h('input', { type: 'file', id: uid('impact-file'), accept: '.yaml,.yml,.json,application/json,application/yaml' }) as HTMLInputElement;
    const days = h('input', { type: 'number', id: uid('impact-days'), min: '1', max: '365', value: '7', class: 'narrow' }) as HTMLInputElement;
    return h(
      'form',
      {
        class: 'impact-form',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void this.showImpact(file.files?.[0], days.value);
        },
      },
      h('p', { class: 'hint' }, 'Choose a changed manifest: see how many users and recent calls it would affect. Nothing is imported.'),
      h('label', { for: file.id }, 'Manifest file (YAML or JSON)'),
      file,
      h('label', { for: days.id }, 'Audit reports of the last days'),
      days,
      h('button', { type: 'submit', class: 'button' }, 'Show the impact'),
    );
  }

  private async showImpact(file: File | undefined, days: string): Promise<void> {
    if (!file) {
      replace(this.el.impact, notice('error', 'Choose a manifest file first.'));
      return;
    }
    try {
      const text = await file.text();
      const json = /\.json$/i.test(file.name);
      const report = await apiJson<ImpactReport>(`/api/v1/impact${queryString({ days, prune: true })}`, {
        token: this.token,
        method: 'POST',
        text: { type: json ? 'application/json' : 'application/yaml', value: text },
      });
      const rows = report.flows.map((f) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, f.flow),
          h('td', {}, f.change),
          h('td', {}, String(f.users.lose)),
          h('td', {}, String(f.users.gain)),
          h('td', {}, String(f.users.reconsent)),
          h('td', {}, `${f.calls.unblocked} (${f.calls.perDay.toFixed(1)}/day)`),
          h('td', {}, String(f.calls.reported)),
          h('td', {}, String(f.calls.newlyBlocked)),
          h('td', {}, String(f.calls.newlyAllowed)),
        ),
      );
      replace(
        this.el.impact,
        report.flows.length === 0
          ? h('p', {}, 'No flow would change.')
          : h(
              'table',
              { class: 'impact-table' },
              h('caption', {}, `Per flow, over ${report.knownUsers} known users and the last ${report.days} days`),
              h(
                'thead',
                {},
                h('tr', {}, ...['Flow', 'Change', 'Users lose it', 'Users gain it', 'Must consent again', 'Blocked calls it lets through', 'Calls reported', 'Would send less', 'Would send more'].map((t) => h('th', { scope: 'col' }, t))),
              ),
              h('tbody', {}, ...rows),
            ),
        h(
          'p',
          { class: 'hint' },
          report.reportedCalls === 0
            ? 'No guard reported its calls in this window (guards created with reportCalls do), so the call columns after the blocked ones are 0.'
            : `${report.reportedCalls} calls reported by guards in this window, each decided again under the new map.`,
        ),
        h('p', { class: 'hint' }, report.note),
      );
      announce(`Impact of ${file.name}: ${report.flows.length} flows would change.`);
    } catch (error) {
      replace(this.el.impact, notice('error', `Impact failed: ${messageOf(error)}`));
    }
  }

  private exportPng(): void {
    download(this.view.png(), `flowgate-graph-v${this.graph?.mapVersion ?? 0}.png`);
    announce('PNG of this view downloaded.');
  }

  private exportCsv(): void {
    if (!this.graph) return;
    download(new Blob([flowsCsv(this.graph)], { type: 'text/csv;charset=utf-8' }), `flowgate-flows-v${this.graph.mapVersion}.csv`);
    announce('The flows shown downloaded as CSV.');
  }

  private async exportYaml(): Promise<void> {
    try {
      const blob = await apiBlob('/api/v1/manifest?format=yaml', {
        token: this.token,
        accept: 'application/yaml',
      });
      download(blob, `flowgate-map-v${this.graph?.mapVersion ?? 0}.yaml`);
      announce('The map downloaded as YAML.');
    } catch (error) {
      replace(this.el.status, notice('error', `Export failed: ${messageOf(error)}`));
    }
  }
}

/** One sentence on what is shown, for the page and for screen readers. */
export function summarize(graph: GraphResponse): string {
  if (graph.query.edges === false) {
    const fields = graph.nodes.filter((n) => n.kind === 'field').length;
    const subs = graph.nodes.filter((n) => n.kind === 'subprocessor').length;
    return `${fields.toLocaleString('en-US')} fields and ${subs.toLocaleString('en-US')} subprocessors; ${graph.totals.sentEdges.toLocaleString('en-US')} lines in the map, not drawn yet.`;
  }
  const sent = graph.edges.filter((e) => e.kind === 'sent');
  const fields = new Set(sent.map((e) => e.source)).size;
  const receivers = new Set(sent.map((e) => e.target));
  const shown = graph.nodes.filter((n) => n.kind === 'subprocessor' && receivers.has(n.id));
  const stated = shown.filter((n) => n.kind === 'subprocessor' && n.bucket === 'third-country').length;
  const unstated = shown.filter((n) => n.kind === 'subprocessor' && n.bucket === 'not-stated').length;
  const outside = stated + unstated;
  const excluded = graph.edges.filter((e) => e.kind === 'excluded').length;
  const plural = (n: number, one: string, many = `${one}s`) =>
    `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  let text = `${plural(sent.length, 'line')} of data from ${plural(fields, 'field')} to ${plural(receivers.size, 'subprocessor')}, ${outside} of them outside the EU/EEA`;
  if (outside > 0) text += ` (${stated} in a stated third country, ${unstated} with no location stated)`;
  if (excluded > 0) text += `; ${plural(excluded, 'explicit exclusion')}`;
  if (sent.length !== graph.totals.sentEdges)
    text += ` (of ${graph.totals.sentEdges.toLocaleString('en-US')} lines in the map)`;
  return `${text}.`;
}

function legend(userPart: HTMLElement): HTMLElement {
  const item = (swatch: string, text: string) =>
    h('li', {}, h('span', { class: `swatch ${swatch}`, 'aria-hidden': 'true' }), text);
  return h(
    'section',
    { class: 'legend', 'aria-labelledby': 'legend-title' },
    h('h2', { id: 'legend-title', class: 'legend-title' }, 'Legend'),
    h(
      'ul',
      { class: 'legend-list' },
      item('line required', 'Solid grey line: required (always sent)'),
      item('line opt-out', 'Dashed purple line: opt-out (sent unless the user opts out)'),
      item('line opt-in', 'Dotted teal line: opt-in (sent only after the user opts in)'),
      item('line excluded', 'Red line labelled “not sent”: the vendor explicitly does not get it'),
      item('line drift', 'Thick orange dash-dot line: observed by the SDK but not declared (drift)'),
    ),
    h(
      'ul',
      { class: 'legend-list' },
      item(
        'node special',
        'Field, with its sensitivity below its name (“special category”, “personal”, “pseudonymous”, “not personal”), also shown by colour',
      ),
      item('node subprocessor', 'Subprocessor, with the countries it processes in below its name (“US”, or “location not stated”)'),
      item('area eea', 'Green area: EU/EEA; orange area: a third country the vendor names; grey dotted area: location not stated (counted as leaving the EU/EEA)'),
    ),
    userPart,
  );
}

function auditText(status: AuditStatus): HTMLElement {
  switch (status.state) {
    case 'loading':
      return h('p', { class: 'hint' }, 'Looking for audit reports…');
    case 'unavailable':
      return h(
        'p',
        { class: 'hint' },
        'No audit reports on this server yet: the graph shows the declared map only.',
      );
    case 'empty':
      return h(
        'p',
        { class: 'hint' },
        `No blocked calls and no drift reported in the last ${status.days} days.`,
      );
    case 'ready':
      return h(
        'p',
        { class: 'hint', 'data-audit': 'ready' },
        `Last ${status.days} days, on the graph: ${status.blockedTotal} blocked calls (counts on the lines) and ${status.overlays.drift?.length ?? 0} undeclared flows seen (orange dash-dot lines).`,
      );
  }
}

/**
 * The preference centre: one implementation, rendered by <flowgate-preferences> into its
 * shadow root, on a host application's page or on Flowgate's own /settings. State flows
 * one way: the server's PreferencesResponse and the search text go in, the DOM comes out;
 * every change is a PUT followed by a fresh read.
 */
import { ApiError } from '../api';
import { h, replace, type Child } from '../dom';
import type { FlowPreference, PreferencesResponse, PurposePreferences } from '@flowgate/core';
import { localized, type Language, type MessageKey, type Translate } from './messages';
import type { ConsentChange, PreferencesClient } from './preferences-client';

export interface ChangeDetail {
  changes: { flowKey: string; subprocessor: string; purpose: string; granted: boolean }[];
  preferences: PreferencesResponse;
}

export interface ErrorDetail {
  status: number;
  code: string;
  message: string;
}

export interface PreferenceCentreOptions {
  client: PreferencesClient;
  t: Translate;
  language: Language;
  /** Purpose keys to show; null shows every purpose. */
  purposes: readonly string[] | null;
  onChange: (detail: ChangeDetail) => void;
  onError: (detail: ErrorDetail) => void;
  onReady: (preferences: PreferencesResponse) => void;
}

type Flow = FlowPreference;
type Purpose = PurposePreferences;

/** What a search looks in: the vendor's name and key, the purpose's, and the fields sent. */
export function matchesSearch(flow: FlowPreference, purpose: PurposePreferences, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [flow.subprocessor.name, flow.subprocessor.key, purpose.name, purpose.key, ...flow.fields.map((f) => f.name)].some(
    (text) => text.toLowerCase().includes(q),
  );
}

export class PreferenceCentre {
  private prefs: PreferencesResponse | null = null;
  /** Set when a newer centre replaced this one (a new token, attribute): it then draws nothing. */
  stale = false;
  private query = '';
  private busy = false;
  private readonly status = h('div', { class: 'toast-area', role: 'status', 'aria-live': 'polite', part: 'toast' });
  private readonly searchStatus = h('p', { class: 'search-status', role: 'status' });
  private readonly summary = h('p', { class: 'lead', part: 'summary' });
  private readonly gpc = h('div', {});
  private readonly list = h('div', { class: 'purposes' });
  private readonly index = h('ul', { class: 'index-list' });
  private readonly indexTitle = h('summary', {});
  private readonly bulk = h('div', { class: 'bulk inline wrap', role: 'group', part: 'bulk' });
  private readonly search: HTMLInputElement;
  private readonly frame: HTMLElement;

  constructor(
    private readonly root: ShadowRoot,
    private readonly options: PreferenceCentreOptions,
  ) {
    const { t } = options;
    this.search = h('input', {
      id: 'fg-search',
      type: 'search',
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: t('search.placeholder'),
      part: 'search-input',
      oninput: () => this.applySearch(this.search.value),
    });
    this.bulk.setAttribute('aria-label', t('bulk.label'));
    this.frame = h(
      'div',
      { class: 'fg', part: 'container', lang: options.language },
      h('h2', { part: 'title' }, t('title')),
      this.summary,
      this.gpc,
      h(
        'div',
        { class: 'tools', part: 'tools' },
        h('div', { class: 'search', part: 'search' }, h('label', { for: 'fg-search' }, t('search.label')), this.search),
        this.bulk,
      ),
      h(
        'details',
        { class: 'index', part: 'index' },
        this.indexTitle,
        h('nav', { 'aria-label': t('index.label') }, this.index),
      ),
      this.searchStatus,
      this.status,
      this.list,
    );
  }

  /** Shows a message in place of the choices (loading, waiting for a token, an error). */
  message(kind: 'info' | 'error', text: string): void {
    if (this.stale) return;
    replace(this.root, h('div', { class: 'fg', part: 'container', lang: this.options.language }, notice(kind, text)));
  }

  async load(): Promise<void> {
    try {
      const prefs = await this.options.client.preferences();
      if (this.stale) return;
      this.prefs = prefs;
      if (!this.frame.isConnected) replace(this.root, this.frame);
      this.render();
      this.options.onReady(prefs);
    } catch (error) {
      if (this.stale) return;
      const detail = errorDetail(error, this.options.t);
      this.message('error', detail.status === 401 ? this.options.t('error.token') : this.options.t('error.load', { message: detail.message }));
      this.options.onError(detail);
    }
  }

  /** The purposes shown (the `purposes` attribute), choosable ones first. */
  private purposes(): Purpose[] {
    const only = this.options.purposes;
    const all = (this.prefs?.purposes ?? []).filter((p) => only === null || only.includes(p.key));
    const choosable = (p: PurposePreferences) => p.flows.some((f) => f.canChange);
    return [...all.filter(choosable), ...all.filter((p) => !choosable(p))];
  }

  private render(focusFlow?: string): void {
    const { t } = this.options;
    const purposes = this.purposes();
    const flows = purposes.flatMap((p) => p.flows);
    const going = flows.filter((f) => f.status === 'allowed').length;
    replace(this.summary, t('summary', { going, total: flows.length }));
    replace(this.gpc, this.prefs?.gpc ? notice('info', t('gpc')) : null);

    const optional = flows.filter((f) => f.canChange);
    replace(
      this.bulk,
      optional.length === 0
        ? h('p', { class: 'hint' }, t('bulk.none'))
        : [
            // The same look for both: neither answer is the one the page prefers.
            h('button', { type: 'button', class: 'button', part: 'button bulk-off', onclick: () => void this.setAll(optional, false) }, t('bulk.off')),
            h('button', { type: 'button', class: 'button', part: 'button bulk-on', onclick: () => void this.setAll(optional, true) }, t('bulk.on')),
          ],
    );

    const vendors = [...new Map(flows.map((f) => [f.subprocessor.key, f.subprocessor.name])).entries()].sort((a, b) =>
      a[1].localeCompare(b[1], this.options.language),
    );
    replace(this.indexTitle, t('index.title', { count: vendors.length }));
    replace(
      this.index,
      vendors.map(([key, name]) =>
        h('li', {}, h('button', { type: 'button', class: 'button link', 'data-vendor': key, onclick: () => this.jumpTo(name, key) }, name)),
      ),
    );

    replace(
      this.list,
      purposes.map((p) => this.purposeSection(p)),
    );
    this.filter();
    if (focusFlow) this.switchOf(focusFlow)?.focus();
  }

  private purposeSection(p: Purpose): HTMLElement {
    const { t } = this.options;
    const changeable = p.flows.filter((f) => f.canChange);
    const description = localized(p.description, p.descriptions, this.options.language);
    // A purpose with several choosable vendors gets its own switch; with one, the vendor's switch is it.
    let purposeSwitch: Child = null;
    if (changeable.length > 1) {
      const on = changeable.every((f) => f.status === 'allowed');
      const onCount = changeable.filter((f) => f.status === 'allowed').length;
      purposeSwitch = h(
        'div',
        { class: 'purpose-switch' },
        h('span', { class: 'hint', id: `purpose-${p.key}-count`, 'aria-hidden': 'true' }, `${onCount}/${changeable.length}`),
        switchButton({
          on,
          label: t('purpose.switch', { purpose: p.name }),
          text: on ? t('switch.on') : t('switch.off'),
          describedBy: `purpose-${p.key}-count`,
          onClick: () => void this.setAll(changeable, !on, p),
        }),
      );
    }
    return h(
      'section',
      { class: 'purpose', part: 'purpose', 'data-purpose': p.key, 'aria-labelledby': `purpose-${p.key}` },
      h('div', { class: 'purpose-head' }, h('h3', { id: `purpose-${p.key}`, part: 'purpose-title' }, p.name), purposeSwitch),
      description ? h('p', { class: 'muted' }, description) : null,
      p.flows.map((f) => this.flowCard(f, p)),
    );
  }

  private flowCard(f: Flow, p: Purpose): HTMLElement {
    const { t, language } = this.options;
    const titleId = `flow-${f.key}`;
    const stateId = `flow-${f.key}-state`;
    const on = f.status === 'allowed';
    const vendor = f.subprocessor.name;
    const sw = f.canChange
      ? switchButton({
          on,
          labelledBy: titleId,
          describedBy: stateId,
          text: on ? t('switch.on') : t('switch.off'),
          onClick: () => void this.change([f], !on),
        })
      : h(
          'button',
          {
            type: 'button',
            role: 'switch',
            class: 'switch locked',
            part: 'switch locked',
            'aria-checked': 'true',
            'aria-disabled': 'true',
            'aria-labelledby': titleId,
            'aria-describedby': stateId,
            onclick: () => this.say(t('switch.locked', { vendor })),
          },
          lockIcon(),
          h('span', { class: 'switch-text' }, t('switch.required')),
        );
    const state = f.canChange
      ? f.feature
        ? t(on ? 'state.feature.on' : 'state.feature.off', { feature: f.feature, vendor })
        : on
          ? t(f.mode === 'opt-out' && !f.choice ? 'state.on.default' : 'state.on', { vendor })
          : t('state.off', { reason: t(f.reason ? (`reason.${f.reason}` as MessageKey) : 'reason.none') })
      : t('state.required', { why: t(`why.${f.legalBasis}` as MessageKey) });
    const names = (list: FlowPreference['fields']) =>
      list.length === 0 ? h('span', { class: 'muted' }, t('facts.nothing')) : list.map((x) => x.name).join(', ');
    const special = f.fields.filter((x) => x.sensitivity === 'special');
    const region = regionKey(f);
    return h(
      'article',
      {
        class: `flow-card${f.needsReconsent ? ' attention' : ''}`,
        part: 'card',
        'data-flow': f.key,
        'data-vendor': f.subprocessor.key,
      },
      h(
        'div',
        { class: 'flow-head' },
        h(
          'div',
          {},
          h('h4', { id: titleId }, vendor, h('span', { class: 'visually-hidden' }, t('flow.for', { purpose: p.name }))),
          h(
            'div',
            { class: 'inline wrap tags' },
            h('span', { class: `tag tag-${f.mode}` }, t(`mode.${f.mode}` as MessageKey)),
            h('span', { class: `tag tag-${region}` }, t(`region.${region}` as MessageKey)),
            f.needsReconsent ? h('span', { class: 'tag tag-attention' }, t('reconsent.tag')) : null,
          ),
        ),
        sw,
      ),
      h('p', { id: stateId, class: 'flow-state' }, state),
      f.choice && f.canChange ? h('p', { class: 'flow-when hint' }, t('state.since', { date: formatDay(f.choice.recordedAt, language) })) : null,
      f.needsReconsent
        ? h(
            'div',
            { class: 'notice notice-info', part: 'notice' },
            t('reconsent.text', { vendor, fields: f.newFields.map((k) => f.fields.find((x) => x.key === k)?.name ?? k).join(', ') }),
            ' ',
            h('button', { type: 'button', class: 'button small', part: 'button', onclick: () => void this.change([f], true) }, t('reconsent.agree', { vendor })),
          )
        : null,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('facts.receives')),
        h('dd', {}, f.fieldsStated === false ? h('span', { class: 'muted' }, t('facts.not-stated')) : names(f.fields), special.length > 0 ? h('span', { class: 'muted' }, t('facts.special', { fields: special.map((x) => x.name).join(', ') })) : null),
        h('dt', {}, t('facts.excluded')),
        h('dd', {}, names(f.excludedFields)),
        h('dt', {}, t('facts.where')),
        h('dd', {}, region === 'not-stated' ? t('where.not-stated') : `${t(`region.${region}` as MessageKey)}: ${this.countries(f.subprocessor.locations)}`),
        h('dt', {}, t('facts.why')),
        h(
          'dd',
          {},
          localized(f.description, f.descriptions, language) ?? p.name,
          h('span', { class: 'muted' }, t('facts.basis', { basis: t(`basis.${f.legalBasis}` as MessageKey) })),
        ),
      ),
      h('p', { class: 'saved-note', 'aria-hidden': 'true' }),
    );
  }

  private regionNames: Intl.DisplayNames | null | undefined;

  private countries(locations: readonly string[]): string {
    const { t, language } = this.options;
    if (locations.length === 0) return t('where.not-stated');
    if (this.regionNames === undefined)
      this.regionNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([language], { type: 'region' }) : null;
    return locations.map((c) => (c === 'EU' ? t('where.eu') : (this.regionNames?.of(c) ?? c))).join(', ');
  }

  private switchOf(flowKey: string): HTMLElement | null {
    return this.list.querySelector<HTMLElement>(`[data-flow="${CSS.escape(flowKey)}"] [role="switch"]`);
  }

  /** Shows only the vendors and purposes matching the search text. */
  applySearch(query: string): void {
    this.query = query;
    if (this.search.value !== query) this.search.value = query;
    this.filter();
  }

  private filter(): void {
    const { t } = this.options;
    const purposes = this.purposes();
    const shownVendors = new Set<string>();
    for (const p of purposes) {
      const section = this.list.querySelector<HTMLElement>(`[data-purpose="${CSS.escape(p.key)}"]`);
      let any = false;
      for (const f of p.flows) {
        const show = matchesSearch(f, p, this.query);
        const card = section?.querySelector<HTMLElement>(`[data-flow="${CSS.escape(f.key)}"]`);
        if (card) card.hidden = !show;
        if (show) shownVendors.add(f.subprocessor.key);
        any ||= show;
      }
      if (section) section.hidden = !any;
    }
    const total = new Set(purposes.flatMap((p) => p.flows.map((f) => f.subprocessor.key))).size;
    const q = this.query.trim();
    replace(
      this.searchStatus,
      q
        ? [
            shownVendors.size === 0 ? t('search.none', { query: q }) : t('search.results', { count: shownVendors.size, total, query: q }),
            ' ',
            h('button', { type: 'button', class: 'button link', onclick: () => this.applySearch('') }, t('search.clear')),
          ]
        : null,
    );
  }

  /** The index: narrows the list to one vendor and puts the focus on its first switch. */
  private jumpTo(name: string, key: string): void {
    this.applySearch(name);
    const card = this.list.querySelector<HTMLElement>(`[data-vendor="${CSS.escape(key)}"]:not([hidden])`);
    card?.scrollIntoView({ block: 'nearest' });
    card?.querySelector<HTMLElement>('[role="switch"]')?.focus();
  }

  private say(text: string): void {
    replace(this.status, h('div', { class: 'notice notice-info toast' }, text));
  }

  private async setAll(flows: readonly FlowPreference[], granted: boolean, purpose?: PurposePreferences): Promise<void> {
    const { t } = this.options;
    const todo = flows.filter((f) => (f.status === 'allowed') !== granted || f.needsReconsent);
    if (todo.length === 0) return this.say(t('bulk.nothing'));
    const done = await this.save(todo, granted);
    if (!done) return;
    const state = t(granted ? 'state.word.on' : 'state.word.off');
    this.say(
      purpose
        ? t('purpose.saved', { purpose: purpose.name, state })
        : t(granted ? 'bulk.saved.on' : 'bulk.saved.off', { count: todo.length }),
    );
  }

  private async change(flows: readonly FlowPreference[], granted: boolean, undo = false): Promise<void> {
    const { t } = this.options;
    const [flow] = flows;
    const previous = flow.status === 'allowed';
    if (!(await this.save(flows, granted))) return;
    const now = this.prefs?.purposes.flatMap((p) => p.flows).find((f) => f.key === flow.key);
    const what = `${flow.subprocessor.name} (${this.purposeName(flow)})`;
    const state = t(granted ? 'state.word.on' : 'state.word.off');
    replace(
      this.status,
      h(
        'div',
        { class: 'notice notice-success toast', 'data-saved': flow.key },
        undo ? t('undone', { what, state }) : t('saved', { what, state }),
        ' ',
        !undo && now
          ? h('button', { type: 'button', class: 'button small', part: 'button', onclick: () => void this.change([now], previous, true) }, t('undo'))
          : null,
      ),
    );
    const note = this.list.querySelector<HTMLElement>(`[data-flow="${CSS.escape(flow.key)}"] .saved-note`);
    if (note) note.textContent = t('saved.note');
  }

  /** PUTs the choices, reads the view again, re-renders with the focus kept; false when not saved. */
  private async save(flows: readonly FlowPreference[], granted: boolean): Promise<boolean> {
    if (this.busy) return false;
    const { t } = this.options;
    this.busy = true;
    const focusFlow = flows.length === 1 ? flows[0].key : undefined;
    const cards = flows.map((f) => this.list.querySelector<HTMLElement>(`[data-flow="${CSS.escape(f.key)}"]`));
    cards.forEach((c) => c?.setAttribute('aria-busy', 'true'));
    const active = (this.root.activeElement as HTMLElement | null) ?? null;
    try {
      const changes: ConsentChange[] = flows.map((f) => ({ flowKey: f.key, granted, flowVersion: f.version }));
      await this.options.client.change(changes);
      this.prefs = await this.options.client.preferences();
      this.render(focusFlow);
      if (!focusFlow && active?.getAttribute('part')?.startsWith('button')) {
        this.root.querySelector<HTMLElement>(`[part="${active.getAttribute('part')}"]`)?.focus();
      }
      this.options.onChange({
        changes: flows.map((f) => ({ flowKey: f.key, subprocessor: f.subprocessor.key, purpose: this.purposeKey(f), granted })),
        preferences: this.prefs,
      });
      return true;
    } catch (error) {
      const detail = errorDetail(error, t);
      let text = t('error.not-saved', { message: detail.message });
      if (error instanceof ApiError && error.code === 'FLOW_VERSION_CHANGED') {
        text = t('error.version', { vendor: flows[0].subprocessor.name });
        this.prefs = await this.options.client.preferences().catch(() => this.prefs);
        this.render(focusFlow);
      }
      replace(this.status, notice('error', text));
      this.options.onError(detail);
      return false;
    } finally {
      cards.forEach((c) => c?.removeAttribute('aria-busy'));
      this.busy = false;
    }
  }

  private purposeOf(f: FlowPreference): PurposePreferences | undefined {
    return this.prefs?.purposes.find((p) => p.flows.some((x) => x.key === f.key));
  }

  private purposeName(f: FlowPreference): string {
    return this.purposeOf(f)?.name ?? f.key;
  }

  private purposeKey(f: FlowPreference): string {
    return this.purposeOf(f)?.key ?? f.key.slice(f.key.indexOf('.') + 1);
  }
}

/** EU/EEA, outside it (with stated places), or no place stated at all. */
function regionKey(f: FlowPreference): 'eea' | 'third-country' | 'not-stated' {
  if (f.subprocessor.locations.length === 0) return 'not-stated';
  return f.subprocessor.region;
}

function switchButton(o: {
  on: boolean;
  text: string;
  label?: string;
  labelledBy?: string;
  describedBy?: string;
  onClick: () => void;
}): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      role: 'switch',
      class: 'switch',
      part: 'switch',
      'aria-checked': String(o.on),
      'aria-label': o.label,
      'aria-labelledby': o.labelledBy,
      'aria-describedby': o.describedBy,
      onclick: o.onClick,
    },
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
    h('span', { class: 'switch-text', 'aria-hidden': 'true' }, o.text),
  );
}

function notice(kind: 'error' | 'info', text: string): HTMLElement {
  return h('div', { class: `notice notice-${kind}`, part: 'notice', role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function errorDetail(error: unknown, t: Translate): ErrorDetail {
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK_ERROR') return { status: 0, code: error.code, message: t('error.network') };
    const problems = error.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    return { status: error.status, code: error.code, message: problems.length > 0 ? problems.join('; ') : error.message };
  }
  return { status: 0, code: 'CLIENT_ERROR', message: error instanceof Error ? error.message : String(error) };
}

function formatDay(iso: string, language: Language): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(language, { dateStyle: 'long' }).format(d);
}

/** A padlock drawn in SVG (no emoji font needed). */
function lockIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 16 16', width: '14', height: '14', 'aria-hidden': 'true', focusable: 'false', class: 'lock' }))
    svg.setAttribute(k, v);
  const shackle = document.createElementNS(ns, 'path');
  for (const [k, v] of Object.entries({ d: 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.8' }))
    shackle.setAttribute(k, v);
  const body = document.createElementNS(ns, 'rect');
  for (const [k, v] of Object.entries({ x: '2.5', y: '7', width: '11', height: '8', rx: '1.5', fill: 'currentColor' })) body.setAttribute(k, v);
  svg.append(shackle, body);
  return svg;
}

/**
 * "Who changed the map": the newest map changes (GET /api/v1/map/history) with their actor,
 * time and a one-line summary of what changed, for the graph page's sidebar.
 */
import { apiJson } from '../api';
import { formatDate, h } from '../dom';

interface KindDiff {
  added: string[];
  changed: Array<{ key: string; properties: string[] }>;
  removed: string[];
}
type Kind = 'fields' | 'purposes' | 'subprocessors' | 'flows';
export interface MapChangeItem {
  version: number;
  actor: string;
  changedAt: string;
  diff: Record<Kind, KindDiff>;
}
export interface MapHistoryResponse {
  items: MapChangeItem[];
  nextBefore: number | null;
}

/** How many changes the panel shows. */
export const HISTORY_LIMIT = 20;

export function loadMapHistory(token: string): Promise<MapHistoryResponse> {
  return apiJson<MapHistoryResponse>(`/api/v1/map/history?limit=${HISTORY_LIMIT}`, { token });
}

/** The actor as a person reads it: an admin key's name, the CLI's OS user, the bootstrap token. */
export function actorLabel(actor: string): string {
  if (actor === 'admin') return 'Bootstrap admin token';
  if (actor.startsWith('admin:')) return actor.slice('admin:'.length);
  if (actor.startsWith('cli:')) return `${actor.slice('cli:'.length)} (CLI)`;
  if (actor.startsWith('service:')) return `Service token ${actor.slice('service:'.length)}`;
  if (actor === 'seed' || actor === 'system') return 'Flowgate (at start)';
  return actor;
}

const SINGULAR: Record<Kind, string> = { fields: 'field', purposes: 'purpose', subprocessors: 'subprocessor', flows: 'flow' };
const SHOWN = 3;

function keys(list: readonly string[]): string {
  const shown = list.slice(0, SHOWN).join(', ');
  return list.length > SHOWN ? `${shown} and ${list.length - SHOWN} more` : shown;
}

/** "Added flow a.b; changed subprocessor x (locations); removed 2 fields: f, g", or "No change to the manifest". */
export function summarizeDiff(diff: MapChangeItem['diff']): string {
  const parts: string[] = [];
  for (const kind of ['flows', 'subprocessors', 'purposes', 'fields'] as const) {
    const d = diff[kind];
    if (!d) continue;
    const noun = (n: number) => (n === 1 ? SINGULAR[kind] : `${n} ${kind}`);
    if (d.added.length > 0) parts.push(`added ${noun(d.added.length)} ${keys(d.added)}`);
    if (d.changed.length > 0) {
      const changed = d.changed.map((c) => (c.properties.length > 0 ? `${c.key} (${c.properties.join(', ')})` : c.key));
      parts.push(`changed ${noun(d.changed.length)} ${keys(changed)}`);
    }
    if (d.removed.length > 0) parts.push(`removed ${noun(d.removed.length)} ${keys(d.removed)}`);
  }
  if (parts.length === 0) return 'No change to the manifest (enforcement only)';
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The panel's body: a table of who, when and what, newest first. */
export function historyTable(history: MapHistoryResponse): HTMLElement {
  if (history.items.length === 0) return h('p', { class: 'hint' }, 'No change recorded yet.');
  return h(
    'div',
    { class: 'map-history-wrap', tabindex: 0, role: 'region', 'aria-label': 'Changes to the data map, scrolls when there are many' },
    h(
      'table',
      { class: 'history-table map-history' },
      h('caption', { class: 'visually-hidden' }, 'Changes to the data map, newest first'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Who'), h('th', { scope: 'col' }, 'What'))),
      h(
        'tbody',
        {},
        history.items.map((item) =>
          h(
            'tr',
            { 'data-version': String(item.version) },
            h('td', {}, h('time', { datetime: item.changedAt }, formatDate(item.changedAt))),
            h('td', { class: 'actor', title: item.actor }, actorLabel(item.actor)),
            h('td', {}, `v${item.version}: ${summarizeDiff(item.diff)}`),
          ),
        ),
      ),
    ),
    history.nextBefore !== null ? h('p', { class: 'hint' }, `The ${HISTORY_LIMIT} newest changes; GET /api/v1/map/history has the rest.`) : null,
  );
}

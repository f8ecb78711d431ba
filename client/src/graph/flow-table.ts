/** The graph as a table: the keyboard and screen-reader way through the same data. */
import type { ConsentMode, Sensitivity } from '@flowgate/core';
import type {
  EdgeBlockReason,
  FieldNode,
  GraphResponse,
  SubprocessorNode,
} from '@flowgate/core';
import { h } from '../dom';
import { MODE_LABEL, REASON_LABEL, SENSITIVITY_LABEL, whereText } from '../labels';
import type { Overlays } from './graph-view';
import { blockedOn } from './overlays';

const MAX_ROWS = 500;

/** Every word the table says, so the preference centre can say them in the user's language. */
export interface TableWords {
  caption: string;
  field: string;
  to: string;
  where: string;
  purpose: string;
  mode: string;
  user: string;
  blockedCalls: string;
  actions: string;
  allowed: string;
  blocked: string;
  details: string;
  detailsOf: (field: string, vendor: string) => string;
  fieldDetails: (name: string) => string;
  notSent: string;
  first: (max: number, total: number) => string;
  nothing: string;
  notDrawn: string;
  sensitivity: Record<Sensitivity, string>;
  modes: Record<ConsentMode, string>;
  whereOf: (s: SubprocessorNode) => string;
}

export const TABLE_WORDS: TableWords = {
  caption: 'Data flows shown in the graph',
  field: 'Field',
  to: 'Goes to',
  where: 'Where',
  purpose: 'Purpose',
  mode: 'Mode',
  user: 'For this user',
  blockedCalls: 'Blocked calls',
  actions: 'Actions',
  allowed: 'Allowed',
  blocked: 'Blocked',
  details: 'Details',
  detailsOf: (field, vendor) => ` of ${field} to ${vendor}`,
  fieldDetails: (name) => `${name}: details`,
  notSent: 'not sent to ',
  first: (max, total) => `The first ${max} of ${total} lines.`,
  nothing: 'Nothing matches these filters.',
  notDrawn: 'Lines are not drawn yet: ask a question or filter.',
  sensitivity: SENSITIVITY_LABEL,
  modes: MODE_LABEL,
  whereOf: whereText,
};

export interface FlowTableOptions {
  /** Words for block reasons (the preference centre speaks to the user: "you switched it off"). */
  reasons?: Record<EdgeBlockReason, string>;
  userColumn?: string;
  words?: Partial<TableWords>;
}

export function flowTable(
  graph: GraphResponse,
  overlays: Overlays,
  select: (id: string) => void,
  options: FlowTableOptions = {},
): HTMLElement {
  const reasons = options.reasons ?? REASON_LABEL;
  const w: TableWords = { ...TABLE_WORDS, ...options.words };
  const fields = new Map(
    graph.nodes.filter((n): n is FieldNode => n.kind === 'field').map((n) => [n.id, n]),
  );
  const subs = new Map(
    graph.nodes
      .filter((n): n is SubprocessorNode => n.kind === 'subprocessor')
      .map((n) => [n.id, n]),
  );
  const rows = graph.edges.filter((e) => e.kind !== 'purpose');
  if (graph.query.edges === false)
    return h('p', { class: 'hint' }, w.notDrawn);
  if (rows.length === 0) return h('p', { class: 'hint' }, w.nothing);
  const withUser = graph.user !== undefined;
  const withAudit = (overlays.blockedCalls?.size ?? 0) > 0;
  return h(
    'div',
    {},
    rows.length > MAX_ROWS
      ? h('p', { class: 'hint' }, w.first(MAX_ROWS, rows.length))
      : null,
    h(
      'table',
      { class: 'flow-table' },
      h('caption', { class: 'visually-hidden' }, w.caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, w.field),
          h('th', { scope: 'col' }, w.to),
          h('th', { scope: 'col' }, w.where),
          h('th', { scope: 'col' }, w.purpose),
          h('th', { scope: 'col' }, w.mode),
          withUser ? h('th', { scope: 'col' }, options.userColumn ?? w.user) : null,
          withAudit ? h('th', { scope: 'col' }, w.blockedCalls) : null,
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, w.actions)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.slice(0, MAX_ROWS).map((e) => {
          const field = fields.get(e.source);
          const sub = subs.get(e.target);
          const flow = graph.flows[e.flow];
          return h(
            'tr',
            { 'data-edge': e.id, class: e.kind },
            h(
              'td',
              {},
              field
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'button link cell',
                      'aria-label': w.fieldDetails(field.label),
                      onclick: () => select(field.id),
                    },
                    field.label,
                  )
                : (e.field ?? ''),
              h(
                'span',
                { class: 'muted small' },
                ` ${field ? w.sensitivity[field.sensitivity] : ''}`,
              ),
            ),
            h(
              'td',
              {},
              e.kind === 'excluded'
                ? h('span', { class: 'tag tag-excluded' }, w.notSent)
                : null,
              sub
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'button link cell',
                      'aria-label': w.fieldDetails(sub.name),
                      onclick: () => select(sub.id),
                    },
                    sub.name,
                  )
                : e.target,
            ),
            h('td', {}, sub ? w.whereOf(sub) : ''),
            h('td', {}, flow?.purposeName ?? e.flow),
            h('td', {}, w.modes[e.mode]),
            withUser
              ? h(
                  'td',
                  {},
                  e.user
                    ? e.user.allowed
                      ? h('span', { class: 'tag tag-allowed' }, w.allowed)
                      : h(
                          'span',
                          {},
                          h('span', { class: 'tag tag-blocked' }, w.blocked),
                          ` ${e.user.reason ? reasons[e.user.reason] : ''}`,
                        )
                    : '',
                )
              : null,
            withAudit ? h('td', {}, String(blockedOn(overlays, e) ?? 0)) : null,
            h(
              'td',
              {},
              h(
                'button',
                { type: 'button', class: 'button small', onclick: () => select(e.id) },
                w.details,
                h('span', { class: 'visually-hidden' }, w.detailsOf(field?.label ?? e.field ?? '', sub?.name ?? e.target)),
              ),
            ),
          );
        }),
      ),
    ),
  );
}

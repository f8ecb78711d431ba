/** The graph as a table: the keyboard and screen-reader way through the same data. */
import type {
  EdgeBlockReason,
  FieldNode,
  GraphResponse,
  SubprocessorNode,
} from '../../../src/graph/graph.types';
import { h } from '../dom';
import { MODE_LABEL, REASON_LABEL, SENSITIVITY_LABEL, whereText } from '../labels';
import type { Overlays } from './graph-view';
import { blockedOn } from './overlays';

const MAX_ROWS = 500;

export interface FlowTableOptions {
  /** Words for block reasons (the preference centre speaks to the user: "you switched it off"). */
  reasons?: Record<EdgeBlockReason, string>;
  userColumn?: string;
}

export function flowTable(
  graph: GraphResponse,
  overlays: Overlays,
  select: (id: string) => void,
  options: FlowTableOptions = {},
): HTMLElement {
  const reasons = options.reasons ?? REASON_LABEL;
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
    return h('p', { class: 'hint' }, 'Lines are not drawn yet: ask a question or filter.');
  if (rows.length === 0) return h('p', { class: 'hint' }, 'Nothing matches these filters.');
  const withUser = graph.user !== undefined;
  const withAudit = (overlays.blockedCalls?.size ?? 0) > 0;
  return h(
    'div',
    {},
    rows.length > MAX_ROWS
      ? h('p', { class: 'hint' }, `The first ${MAX_ROWS} of ${rows.length} lines.`)
      : null,
    h(
      'table',
      { class: 'flow-table' },
      h('caption', { class: 'visually-hidden' }, 'Data flows shown in the graph'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Field'),
          h('th', { scope: 'col' }, 'Goes to'),
          h('th', { scope: 'col' }, 'Where'),
          h('th', { scope: 'col' }, 'Purpose'),
          h('th', { scope: 'col' }, 'Mode'),
          withUser ? h('th', { scope: 'col' }, options.userColumn ?? 'For this user') : null,
          withAudit ? h('th', { scope: 'col' }, 'Blocked calls') : null,
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
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
                      'aria-label': `${field.label}: details`,
                      onclick: () => select(field.id),
                    },
                    field.label,
                  )
                : (e.field ?? ''),
              h(
                'span',
                { class: 'muted small' },
                ` ${field ? SENSITIVITY_LABEL[field.sensitivity] : ''}`,
              ),
            ),
            h(
              'td',
              {},
              e.kind === 'excluded'
                ? h('span', { class: 'tag tag-excluded' }, 'not sent to ')
                : null,
              sub
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'button link cell',
                      'aria-label': `${sub.name}: details`,
                      onclick: () => select(sub.id),
                    },
                    sub.name,
                  )
                : e.target,
            ),
            h('td', {}, sub ? whereText(sub) : ''),
            h('td', {}, flow?.purposeName ?? e.flow),
            h('td', {}, MODE_LABEL[e.mode]),
            withUser
              ? h(
                  'td',
                  {},
                  e.user
                    ? e.user.allowed
                      ? h('span', { class: 'tag tag-allowed' }, 'Allowed')
                      : h(
                          'span',
                          {},
                          h('span', { class: 'tag tag-blocked' }, 'Blocked'),
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
                'Details',
                h(
                  'span',
                  { class: 'visually-hidden' },
                  ` of ${field?.label ?? e.field} to ${sub?.name ?? e.target}`,
                ),
              ),
            ),
          );
        }),
      ),
    ),
  );
}

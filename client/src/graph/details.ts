/** The side panel: everything about the selected field, subprocessor, line or drift. */
import type {
  EdgeUserState,
  FieldNode,
  GraphEdge,
  GraphFlow,
  GraphNode,
  GraphResponse,
  SubprocessorNode,
} from '@flowgate/core';
import { apiJson, queryString } from '../api';
import { formatDate, h, type Child } from '../dom';
import {
  BUCKET_LABEL,
  LEGAL_BASIS_LABEL,
  MODE_EXPLAINED,
  MODE_LABEL,
  REASON_LABEL,
  SENSITIVITY_LABEL,
  TRANSFER_LABEL,
  whereText,
} from '../labels';
import { notice } from '../shell';
import type { Overlays, Selected } from './graph-view';
import { blockedOn } from './overlays';
import type { GraphFilters } from './graph-page';

export interface DetailsContext {
  token: string;
  user?: string;
  overlays: Overlays;
  /** Every field's name by key (from the whole map, whatever the filters). */
  fieldNames: ReadonlyMap<string, string>;
  /** Narrows the graph to what the panel is about. */
  focus: (filters: GraphFilters) => void;
}

function dl(rows: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    rows
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function verdict(state: EdgeUserState | undefined): Child {
  if (!state) return null;
  return state.allowed
    ? h('span', { class: 'tag tag-allowed' }, 'Allowed for this user now')
    : h(
        'span',
        {},
        h('span', { class: 'tag tag-blocked' }, 'Blocked for this user now'),
        ` — ${state.reason ? REASON_LABEL[state.reason] : ''}`,
      );
}

function list(keys: readonly string[], names: ReadonlyMap<string, string>): Child {
  if (keys.length === 0) return h('span', { class: 'muted' }, 'none listed');
  return h(
    'ul',
    { class: 'plain' },
    keys.map((k) => h('li', {}, names.get(k) ?? k, h('span', { class: 'muted small' }, ` ${k}`))),
  );
}

function flowFacts(flow: GraphFlow, names: ReadonlyMap<string, string>): HTMLElement {
  return dl([
    ['Purpose', flow.purposeName],
    ['Consent mode', `${MODE_LABEL[flow.mode]} — ${MODE_EXPLAINED[flow.mode]}`],
    ['Legal basis', LEGAL_BASIS_LABEL[flow.legalBasis]],
    ['Processes in', whereText({ bucket: flow.locations.length === 0 ? 'not-stated' : flow.region, locations: flow.locations })],
    ['Sends', list(flow.fields, names)],
    ['Does not get', list(flow.excludedFields, names)],
    ['Flow version', String(flow.version)],
    ['Last change', formatDate(flow.updatedAt)],
    ['Description', flow.description ?? ''],
    ['For this user', verdict(flow.user)],
  ]);
}

async function fetchGraph(ctx: DetailsContext, filters: GraphFilters): Promise<GraphResponse> {
  return apiJson<GraphResponse>(
    `/api/v1/graph${queryString({ ...filters, excluded: true, user: ctx.user })}`,
    { token: ctx.token },
  );
}

export async function renderDetails(
  selected: Selected,
  graph: GraphResponse,
  ctx: DetailsContext,
): Promise<HTMLElement> {
  try {
    switch (selected.kind) {
      case 'node':
        return await nodeDetails(selected.node, graph, ctx);
      case 'edge':
        return edgeDetails(selected.edge, graph, ctx);
      case 'drift': {
        const d = selected.drift;
        return h(
          'div',
          {},
          h('h3', {}, `${d.field} → ${d.subprocessor}`),
          notice(
            'info',
            `Observed ${d.count} time${d.count === 1 ? '' : 's'} by the SDK, but the map does not declare it${d.purpose ? ` for ${d.purpose}` : ''}. Declare it in the map, or stop sending it.`,
          ),
        );
      }
    }
  } catch (error) {
    return notice(
      'error',
      `Could not load the details: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function nodeDetails(
  node: GraphNode,
  graph: GraphResponse,
  ctx: DetailsContext,
): Promise<HTMLElement> {
  switch (node.kind) {
    case 'field': {
      const g = await fetchGraph(ctx, { field: node.key });
      const subs = new Map(
        g.nodes
          .filter((n): n is SubprocessorNode => n.kind === 'subprocessor')
          .map((n) => [n.id, n]),
      );
      const line = (e: GraphEdge) => {
        const s = subs.get(e.target);
        const flow = g.flows[e.flow];
        return h(
          'li',
          {},
          h('strong', {}, s?.name ?? e.target),
          ` — ${flow?.purposeName ?? e.flow}, ${MODE_LABEL[e.mode].toLowerCase()}, ${s ? whereText(s) : ''}`,
          e.user && e.kind === 'sent' ? h('div', {}, verdict(e.user)) : null,
        );
      };
      const sent = g.edges.filter((e) => e.kind === 'sent');
      const excluded = g.edges.filter((e) => e.kind === 'excluded');
      return h(
        'div',
        {},
        h('h3', {}, node.label),
        dl([
          ['Key', h('code', {}, node.key)],
          ['Sensitivity', SENSITIVITY_LABEL[node.sensitivity]],
          [
            'Found in payloads at',
            h(
              'ul',
              { class: 'plain' },
              node.paths.map((p) => h('li', {}, h('code', {}, p))),
            ),
          ],
          ['Description', node.description ?? ''],
        ]),
        h('h4', {}, `Sent to (${sent.length})`),
        sent.length > 0
          ? h('ul', { class: 'plain lines' }, sent.map(line))
          : h('p', { class: 'muted' }, 'No subprocessor receives it.'),
        h('h4', {}, `Explicitly not sent to (${excluded.length})`),
        excluded.length > 0
          ? h('ul', { class: 'plain lines' }, excluded.map(line))
          : h('p', { class: 'muted' }, 'No flow lists it as excluded.'),
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => ctx.focus({ field: node.key }) },
          `Show only where ${node.label.toLowerCase()} goes`,
        ),
      );
    }
    case 'subprocessor': {
      const g = await fetchGraph(ctx, { subprocessor: node.key });
      const names = ctx.fieldNames;
      const flows = Object.values(g.flows);
      return h(
        'div',
        {},
        h('h3', {}, node.name),
        dl([
          ['Processes in', whereText(node)],
          [
            'Transfer mechanism',
            node.transferMechanism ? TRANSFER_LABEL[node.transferMechanism] : 'Not stated',
          ],
          ['Legal entity', node.legalEntity ?? ''],
          ['Address', node.address ?? ''],
          ['Category', node.category],
          [
            'Website',
            node.url
              ? h('a', { href: node.url, rel: 'noopener noreferrer', target: '_blank' }, node.url)
              : '',
          ],
          ['Description', node.description ?? ''],
          ['Part of', node.parentEntity ?? ''],
          [
            'Passes data on to',
            (node.transfers ?? [])
              .map((to) => graph.nodes.find((n) => n.kind === 'subprocessor' && n.key === to)?.label ?? to)
              .join(', '),
          ],
        ]),
        flows.map((flow) => [h('h4', {}, `${flow.purposeName}`), flowFacts(flow, names)]),
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => ctx.focus({ subprocessor: node.key }) },
          `Show only what ${node.name} gets`,
        ),
      );
    }
    case 'region': {
      const subs = graph.nodes.filter(
        (n): n is SubprocessorNode => n.kind === 'subprocessor' && n.parent === node.id,
      );
      return h(
        'div',
        {},
        h('h3', {}, BUCKET_LABEL[node.bucket]),
        h('p', {}, `${subs.length} subprocessor${subs.length === 1 ? '' : 's'} shown here.`),
        node.bucket === 'third-country'
          ? h('p', { class: 'hint' }, 'Each of these names at least one place it processes in outside the EU/EEA.')
          : node.bucket === 'not-stated'
            ? h(
                'p',
                { class: 'hint' },
                'Their lists state no location at all. They count as leaving the EU/EEA (nothing says they do not), but it is not known where the data goes: ask them.',
              )
            : null,
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => ctx.focus({ region: node.region }) },
          node.region === 'eea' ? 'Show only the EU/EEA' : 'Show everything leaving the EU/EEA',
        ),
      );
    }
    case 'purpose': {
      const flows = Object.values(graph.flows).filter((f) => f.purpose === node.key);
      const names = ctx.fieldNames;
      return h(
        'div',
        {},
        h('h3', {}, node.label),
        node.description ? h('p', {}, node.description) : null,
        flows.map((flow) => [h('h4', {}, flow.subprocessor), flowFacts(flow, names)]),
        h(
          'button',
          {
            type: 'button',
            class: 'button',
            onclick: () => ctx.focus({ purpose: node.key, purposes: true }),
          },
          `Show only ${node.label}`,
        ),
      );
    }
  }
}

function edgeDetails(edge: GraphEdge, graph: GraphResponse, ctx: DetailsContext): HTMLElement {
  const flow = graph.flows[edge.flow];
  const names = ctx.fieldNames;
  const field = graph.nodes.find((n): n is FieldNode => n.id === edge.source && n.kind === 'field');
  const sub = graph.nodes.find(
    (n): n is SubprocessorNode =>
      (n.id === edge.target || n.id === edge.source) && n.kind === 'subprocessor',
  );
  const blocked = blockedOn(ctx.overlays, edge);
  const title =
    edge.kind === 'purpose'
      ? `${sub?.name ?? edge.source} for ${flow?.purposeName ?? edge.target}`
      : `${field?.label ?? edge.field} ${edge.kind === 'excluded' ? 'is not sent to' : '→'} ${sub?.name ?? edge.target}`;
  return h(
    'div',
    {},
    h('h3', {}, title),
    edge.kind === 'excluded'
      ? notice(
          'info',
          `${sub?.name ?? 'This vendor'} explicitly does not get this field for ${flow?.purposeName ?? edge.flow}.`,
        )
      : null,
    edge.user && edge.kind === 'sent' ? h('p', {}, verdict(edge.user)) : null,
    edge.kind === 'sent' && edge.since !== undefined && flow && edge.since > 1
      ? h('p', { class: 'hint' }, `This field was added in flow version ${edge.since}.`)
      : null,
    blocked
      ? notice(
          'error',
          `${blocked} call${blocked === 1 ? '' : 's'} carrying this field to ${sub?.name ?? 'this vendor'} were blocked.`,
        )
      : null,
    flow ? flowFacts(flow, names) : null,
  );
}

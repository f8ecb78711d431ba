/**
 * Draws a GraphResponse with cytoscape. The server decides what is in the graph (filters,
 * per-user verdicts); this only turns it into elements, styles them, lays them out and
 * reports what was selected. Used by the graph page and by "My data flows".
 */
import cytoscape, {
  type Core,
  type ElementDefinition,
  type LayoutOptions,
  type NodeSingular,
  type StylesheetJson,
} from 'cytoscape';
import dagre from 'cytoscape-dagre';
import fcose from 'cytoscape-fcose';
import type { GraphEdge, GraphNode, GraphResponse } from '../../../src/graph/graph.types';
import { SENSITIVITY_LABEL } from '../labels';
import { blockedOn } from './overlays';

cytoscape.use(dagre);
cytoscape.use(fcose);

export type LayoutName = 'dagre' | 'fcose';

/** The layout for the normal case; docs/client.md says why dagre (left to right) won. */
export const DEFAULT_LAYOUT: LayoutName = 'dagre';

/** Fitting never zooms in further than this (text at about 1.3× its size). */
const MAX_FIT_ZOOM = 1.3;

/** Above this many elements a precomputed column layout replaces the layout algorithm. */
export const LARGE_GRAPH = 2500;

/** An observed call the map does not declare (drift), drawn beside the declared edges. */
export interface DriftEdge {
  /** A field key of the map, or the payload path of data no field declares. */
  field: string;
  subprocessor: string;
  purpose?: string;
  count: number;
}

export interface Overlays {
  /** Blocked calls by `<subprocessor>|<field>` (see `blockedKey`). */
  blockedCalls?: ReadonlyMap<string, number>;
  drift?: readonly DriftEdge[];
}

export type Selected =
  | { kind: 'node'; node: GraphNode }
  | { kind: 'edge'; edge: GraphEdge }
  | { kind: 'drift'; drift: DriftEdge };

export interface RenderStats {
  nodes: number;
  edges: number;
  /** From receiving the data to the first frame drawn with the layout done, in ms. */
  ms: number;
  layout: LayoutName | 'columns';
}

const SENSITIVITY_FILL: Record<string, string> = {
  special: '#9f1239',
  personal: '#b45309',
  pseudonymous: '#1d4ed8',
  none: '#475569',
};

const INK = '#0f172a';
const REQUIRED = '#334155';
const OPT_OUT = '#6d28d9';
const OPT_IN = '#0e7490';
const BLOCKED = '#b91c1c';
const ALLOWED = '#15803d';
const DRIFT = '#c2410c';
const FOCUS = '#1d4ed8';

function style(large: boolean): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        label: 'data(display)',
        'font-family': 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        'font-size': 12,
        'text-wrap': 'wrap',
        'text-valign': 'center',
        'text-halign': 'center',
        shape: 'round-rectangle',
        'min-zoomed-font-size': large ? 8 : 0,
      },
    },
    { selector: 'node[w]', style: { width: 'data(w)', height: 'data(h)' } },
    {
      selector: 'node.field',
      style: {
        'background-color': (n: NodeSingular) => SENSITIVITY_FILL[n.data('sensitivity') as string] ?? '#475569',
        color: '#ffffff',
        'border-width': 2,
        'border-color': '#ffffff',
      },
    },
    { selector: 'node.field.sensitivity-special', style: { 'border-style': 'double', 'border-width': 4, 'border-color': '#fecdd3' } },
    {
      selector: 'node.subprocessor',
      style: { 'background-color': '#ffffff', color: INK, 'border-width': 2, 'border-color': REQUIRED },
    },
    {
      selector: 'node.purpose',
      style: { shape: 'tag', 'background-color': '#ede9fe', color: '#3b0764', 'border-width': 1, 'border-color': '#7c3aed' },
    },
    {
      selector: 'node.region',
      style: {
        label: 'data(display)',
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -6,
        'font-size': 14,
        'font-weight': 'bold',
        color: INK,
        'background-opacity': 1,
        'border-width': 2,
        'border-style': 'dashed',
        padding: '18px',
        shape: 'round-rectangle',
      },
    },
    { selector: 'node.region-eea', style: { 'background-color': '#ecfdf5', 'border-color': '#047857' } },
    { selector: 'node.region-third-country', style: { 'background-color': '#fff7ed', 'border-color': '#c2410c' } },
    { selector: 'node.match', style: { 'underlay-color': '#facc15', 'underlay-opacity': 0.9, 'underlay-padding': 5 } },
    {
      selector: 'edge',
      style: {
        width: large ? 1 : 2,
        'curve-style': large ? 'haystack' : 'bezier',
        'target-arrow-shape': large ? 'none' : 'triangle',
        'arrow-scale': 0.9,
        opacity: large ? 0.35 : 0.9,
        'line-color': REQUIRED,
        'target-arrow-color': REQUIRED,
        'font-size': 10,
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.9,
        'text-background-padding': '2px',
        color: INK,
      },
    },
    { selector: 'edge.mode-opt-out', style: { 'line-color': OPT_OUT, 'target-arrow-color': OPT_OUT, 'line-style': 'dashed', 'line-dash-pattern': [8, 4] } },
    { selector: 'edge.mode-opt-in', style: { 'line-color': OPT_IN, 'target-arrow-color': OPT_IN, 'line-style': 'dotted', width: large ? 1 : 2.5 } },
    {
      selector: 'edge.excluded',
      style: {
        'line-color': BLOCKED,
        'target-arrow-color': BLOCKED,
        'target-arrow-shape': 'tee',
        'line-style': 'dashed',
        'line-dash-pattern': [3, 5],
        width: 1.5,
        opacity: 0.75,
        label: 'not sent',
        'font-size': 9,
        color: BLOCKED,
      },
    },
    { selector: 'edge.purpose', style: { 'line-color': '#a78bfa', 'target-arrow-color': '#a78bfa', width: 1.5, 'target-arrow-shape': 'vee' } },
    { selector: 'edge.allowed', style: { 'line-color': ALLOWED, 'target-arrow-color': ALLOWED } },
    {
      selector: 'edge.blocked',
      style: { 'line-color': BLOCKED, 'target-arrow-color': BLOCKED, 'target-arrow-shape': 'tee', opacity: 0.8 },
    },
    {
      selector: 'edge.has-blocked-calls',
      style: { label: 'data(blockedLabel)', 'font-weight': 'bold', color: BLOCKED, width: 3.5 },
    },
    {
      selector: 'edge.drift',
      style: {
        'line-color': DRIFT,
        'target-arrow-color': DRIFT,
        'target-arrow-shape': 'triangle-backcurve',
        'line-style': 'dashed',
        'line-dash-pattern': [12, 4, 2, 4],
        width: 3,
        label: 'data(display)',
        color: DRIFT,
        'font-weight': 'bold',
      },
    },
    { selector: 'node.drift-source', style: { 'background-color': '#ffffff', color: DRIFT, 'border-color': DRIFT, 'border-style': 'dashed', 'border-width': 2 } },
    { selector: '.faded', style: { opacity: 0.22 } },
    { selector: 'node.region.faded', style: { opacity: 0.35 } },
    { selector: 'node:selected', style: { 'border-width': 4, 'border-color': FOCUS, 'border-style': 'solid', 'overlay-opacity': 0 } },
    { selector: 'edge:selected', style: { width: 4, 'overlay-color': FOCUS, 'overlay-opacity': 0.2, label: 'data(purposeLabel)' } },
  ];
}

/** Approximate box for a multi-line label at 12px (canvas text is measured lazily by cytoscape). */
function box(lines: string[]): { w: number; h: number } {
  const longest = Math.max(...lines.map((l) => l.length));
  return { w: Math.max(60, Math.round(longest * 6.9) + 18), h: lines.length * 15 + 11 };
}

function nodeElement(n: GraphNode): ElementDefinition {
  switch (n.kind) {
    case 'region':
      return { data: { id: n.id, display: n.label }, classes: `region region-${n.region}` };
    case 'field': {
      const text = `${n.label} · ${SENSITIVITY_LABEL[n.sensitivity].toLowerCase()}`;
      return {
        data: { id: n.id, display: text, sensitivity: n.sensitivity, ...box([text]) },
        classes: ['field', `sensitivity-${n.sensitivity}`, n.match ? 'match' : ''].join(' ').trim(),
      };
    }
    case 'subprocessor': {
      const text = `${n.name} · ${n.locations.length > 0 ? n.locations.join(', ') : 'location not stated'}`;
      return {
        data: { id: n.id, parent: n.parent, display: text, ...box([text]) },
        classes: ['subprocessor', n.match ? 'match' : ''].join(' ').trim(),
      };
    }
    case 'purpose': {
      const lines = [n.label];
      return { data: { id: n.id, display: n.label, ...box(lines) }, classes: ['purpose', n.match ? 'match' : ''].join(' ').trim() };
    }
  }
}

function edgeElement(e: GraphEdge, graph: GraphResponse, blocked: number | undefined): ElementDefinition {
  const classes = [e.kind, `mode-${e.mode}`];
  if (e.user && e.kind === 'sent') classes.push(e.user.allowed ? 'allowed' : 'blocked');
  if (blocked) classes.push('has-blocked-calls');
  return {
    data: {
      id: e.id,
      source: e.source,
      target: e.target,
      purposeLabel: graph.flows[e.flow]?.purposeName ?? e.flow,
      ...(blocked ? { blockedLabel: `${blocked} blocked` } : {}),
    },
    classes: classes.join(' '),
  };
}

export function toElements(graph: GraphResponse, overlays: Overlays = {}): ElementDefinition[] {
  const elements: ElementDefinition[] = graph.nodes.map(nodeElement);
  for (const e of graph.edges) elements.push(edgeElement(e, graph, blockedOn(overlays, e)));
  const nodeIds = new Set(graph.nodes.map((n) => n.id));
  overlays.drift?.forEach((d, i) => {
    const target = `subprocessor:${d.subprocessor}`;
    if (!nodeIds.has(target)) return;
    let source = `field:${d.field}`;
    if (!nodeIds.has(source)) {
      source = `drift-source:${d.field}`;
      if (!nodeIds.has(source)) {
        const lines = [d.field, 'not in the map'];
        elements.push({ data: { id: source, display: lines.join('\n'), ...box(lines) }, classes: 'drift-source' });
        nodeIds.add(source);
      }
    }
    elements.push({
      data: { id: `drift:${i}`, source, target, display: `observed ${d.count}×, not declared` },
      classes: 'drift',
    });
  });
  return elements;
}

/**
 * Columns for big maps, computed in one pass: fields on the left, subprocessors in a grid
 * per region on the right, purposes further right. No layout algorithm scales to tens of
 * thousands of edges in a page; this one is linear.
 */
function columnPositions(graph: GraphResponse): Map<string, { x: number; y: number }> {
  const pos = new Map<string, { x: number; y: number }>();
  const fields = graph.nodes.filter((n) => n.kind === 'field');
  const perColumn = 60;
  fields.forEach((n, i) => pos.set(n.id, { x: Math.floor(i / perColumn) * 190, y: (i % perColumn) * 36 }));
  let x = Math.ceil(fields.length / perColumn) * 190 + 500;
  for (const region of ['region:eea', 'region:third-country']) {
    const subs = graph.nodes.filter((n) => n.kind === 'subprocessor' && n.parent === region);
    const cols = Math.max(1, Math.ceil(Math.sqrt(subs.length / 2)));
    subs.forEach((n, i) => pos.set(n.id, { x: x + (i % cols) * 170, y: Math.floor(i / cols) * 44 }));
    if (subs.length > 0) x += cols * 170 + 160;
  }
  graph.nodes.filter((n) => n.kind === 'purpose').forEach((n, i) => pos.set(n.id, { x: x + 200, y: i * 40 }));
  return pos;
}

function layoutOptions(name: LayoutName): LayoutOptions {
  if (name === 'dagre') {
    return {
      name: 'dagre',
      rankDir: 'LR',
      nodeSep: 8,
      rankSep: 420,
      edgeSep: 6,
      ranker: 'network-simplex',
      padding: 24,
      fit: true,
      animate: false,
    } as LayoutOptions;
  }
  return {
    name: 'fcose',
    quality: 'proof',
    randomize: true,
    animate: false,
    fit: true,
    padding: 24,
    nodeDimensionsIncludeLabels: true,
    nodeRepulsion: () => 9000,
    idealEdgeLength: () => 120,
    nestingFactor: 0.1,
    gravity: 0.3,
    numIter: 2500,
    packComponents: true,
  } as LayoutOptions;
}

export interface GraphViewOptions {
  container: HTMLElement;
  onSelect: (selected: Selected | null) => void;
  layout?: LayoutName;
}

export class GraphView {
  readonly cy: Core;
  private graph: GraphResponse | null = null;
  private overlays: Overlays = {};
  private layoutName: LayoutName;
  private renders = 0;

  constructor(private readonly options: GraphViewOptions) {
    this.layoutName = options.layout ?? DEFAULT_LAYOUT;
    this.cy = cytoscape({
      container: options.container,
      style: style(false),
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
    });
    this.cy.on('tap', (event) => {
      const target = event.target as Core | cytoscape.SingularElementReturnValue;
      if (target === this.cy) return this.select(null);
      this.select((target as cytoscape.SingularElementReturnValue).id());
    });
  }

  get layout(): LayoutName {
    return this.layoutName;
  }

  /** Draws `graph` and resolves once the layout is done and a frame has been painted. */
  async render(graph: GraphResponse, overlays: Overlays = {}, layout?: LayoutName): Promise<RenderStats> {
    const started = performance.now();
    if (layout) this.layoutName = layout;
    this.graph = graph;
    this.overlays = overlays;
    const elements = toElements(graph, overlays);
    const large = elements.length > LARGE_GRAPH;
    const cy = this.cy;
    cy.startBatch();
    cy.elements().remove();
    cy.style(style(large));
    cy.add(elements);
    cy.endBatch();
    let used: RenderStats['layout'] = this.layoutName;
    if (large) {
      const positions = columnPositions(graph);
      cy.layout({
        name: 'preset',
        positions: (node: NodeSingular) => positions.get(node.id()) ?? { x: 0, y: 0 },
        fit: true,
        padding: 24,
        animate: false,
      } as LayoutOptions).run();
      used = 'columns';
    } else {
      await new Promise<void>((resolve) => {
        const run = cy.layout(layoutOptions(this.layoutName));
        run.one('layoutstop', () => resolve());
        run.run();
      });
    }
    if (!large) separateRegions(cy);
    // A small selection should not be blown up to fill the canvas.
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
    await nextFrame();
    const stats: RenderStats = {
      nodes: cy.nodes().length,
      edges: cy.edges().length,
      ms: Math.round(performance.now() - started),
      layout: used,
    };
    const c = this.options.container;
    c.dataset.nodes = String(stats.nodes);
    c.dataset.edges = String(stats.edges);
    c.dataset.renderMs = String(stats.ms);
    c.dataset.layout = stats.layout;
    c.dataset.mapVersion = String(graph.mapVersion);
    this.renders += 1;
    c.dataset.renders = String(this.renders);
    return stats;
  }

  /** Selects an element by id (from a click, or from the list of flows), or nothing. */
  select(id: string | null): void {
    const cy = this.cy;
    cy.elements().removeClass('faded').unselect();
    const el = id ? cy.getElementById(id) : null;
    if (!el || el.empty() || !this.graph) return this.options.onSelect(null);
    el.select();
    const around = el.nodes().nonempty() ? el.closedNeighborhood() : el.union(el.connectedNodes());
    const keep = around.union(around.parents());
    cy.elements().difference(keep).addClass('faded');
    if (el.hasClass('drift')) {
      const drift = this.overlays.drift?.[Number(id!.slice('drift:'.length))];
      if (drift) this.options.onSelect({ kind: 'drift', drift });
      return;
    }
    if (el.nodes().nonempty()) {
      const node = this.graph.nodes.find((n) => n.id === id);
      if (node) this.options.onSelect({ kind: 'node', node });
    } else {
      const edge = this.graph.edges.find((e) => e.id === id);
      if (edge) this.options.onSelect({ kind: 'edge', edge });
    }
  }

  /** The current view as a PNG (the whole graph, white background). */
  png(): Blob {
    return this.cy.png({ output: 'blob', full: true, bg: '#ffffff', scale: 2, maxWidth: 8000, maxHeight: 8000 });
  }

  fit(): void {
    this.cy.fit(undefined, 24);
  }

  zoom(factor: number): void {
    const cy = this.cy;
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  destroy(): void {
    this.cy.destroy();
  }
}

/**
 * Layouts place the subprocessors, not their region boxes, so two boxes can end up
 * overlapping (dagre knows nothing of compound sizes). Moves each region box below the
 * one above it where they overlap, then fits the view again.
 */
function separateRegions(cy: Core): void {
  const GAP = 40;
  const regions = cy.nodes('.region').toArray().sort((a, b) => a.boundingBox().y1 - b.boundingBox().y1);
  let moved = false;
  for (let i = 1; i < regions.length; i++) {
    const above = regions[i - 1].boundingBox();
    const box = regions[i].boundingBox();
    const overlapX = box.x1 < above.x2 && above.x1 < box.x2;
    if (!overlapX || box.y1 >= above.y2 + GAP) continue;
    const dy = above.y2 + GAP - box.y1;
    regions[i].children().forEach((child) => {
      const p = child.position();
      child.position({ x: p.x, y: p.y + dy });
    });
    moved = true;
  }
  if (moved) cy.fit(undefined, 24);
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}

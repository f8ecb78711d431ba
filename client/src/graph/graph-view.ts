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

/** Edges of a readable graph: mode by colour and by dash, labels, arrows. */
const DETAILED_EDGES: StylesheetJson = [
  {
    selector: 'edge.mode-opt-out',
    style: {
      'line-color': OPT_OUT,
      'target-arrow-color': OPT_OUT,
      'line-style': 'dashed',
      'line-dash-pattern': [8, 4],
    },
  },
  {
    selector: 'edge.mode-opt-in',
    style: {
      'line-color': OPT_IN,
      'target-arrow-color': OPT_IN,
      'line-style': 'dotted',
      width: 2.5,
    },
  },
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
  {
    selector: 'edge.purpose',
    style: {
      'line-color': '#a78bfa',
      'target-arrow-color': '#a78bfa',
      width: 1.5,
      'target-arrow-shape': 'vee',
    },
  },
  { selector: 'edge.allowed', style: { 'line-color': ALLOWED, 'target-arrow-color': ALLOWED } },
  {
    selector: 'edge.blocked',
    style: {
      'line-color': BLOCKED,
      'target-arrow-color': BLOCKED,
      'target-arrow-shape': 'tee',
      opacity: 0.8,
    },
  },
  {
    selector: 'edge.has-blocked-calls',
    style: { label: 'data(blockedLabel)', 'font-weight': 'bold', color: BLOCKED, width: 3.5 },
  },
  {
    selector: 'edge.transfer',
    style: {
      'line-color': '#6b7280',
      'target-arrow-color': '#6b7280',
      'target-arrow-shape': 'triangle',
      'line-style': 'dashed',
      width: 2,
      label: 'data(display)',
      'font-size': 10,
      color: '#374151',
    },
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
];

/** Edges of a very large graph: colour only (dashes and labels cost too much to draw). */
const PLAIN_EDGES: StylesheetJson = [
  { selector: 'edge.mode-opt-out', style: { 'line-color': OPT_OUT } },
  { selector: 'edge.mode-opt-in', style: { 'line-color': OPT_IN } },
  { selector: 'edge.excluded', style: { 'line-color': BLOCKED } },
  { selector: 'edge.purpose', style: { 'line-color': '#a78bfa' } },
  { selector: 'edge.allowed', style: { 'line-color': ALLOWED } },
  { selector: 'edge.blocked', style: { 'line-color': BLOCKED } },
  { selector: 'edge.drift', style: { 'line-color': DRIFT, width: 2 } },
];

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
        'background-color': (n: NodeSingular) =>
          SENSITIVITY_FILL[n.data('sensitivity') as string] ?? '#475569',
        color: '#ffffff',
        'border-width': 2,
        'border-color': '#ffffff',
      },
    },
    {
      selector: 'node.field.sensitivity-special',
      style: { 'border-style': 'double', 'border-width': 4, 'border-color': '#fecdd3' },
    },
    {
      selector: 'node.subprocessor',
      style: {
        'background-color': '#ffffff',
        color: INK,
        'border-width': 2,
        'border-color': REQUIRED,
      },
    },
    {
      selector: 'node.purpose',
      style: {
        shape: 'tag',
        'background-color': '#ede9fe',
        color: '#3b0764',
        'border-width': 1,
        'border-color': '#7c3aed',
      },
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
    {
      selector: 'node.region-eea',
      style: { 'background-color': '#ecfdf5', 'border-color': '#047857' },
    },
    {
      selector: 'node.region-third-country',
      style: { 'background-color': '#fff7ed', 'border-color': '#c2410c' },
    },
    {
      selector: 'node.region-box',
      style: {
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -8,
        'font-size': 16,
        'font-weight': 'bold',
        color: INK,
        'background-opacity': 0.45,
        'border-width': 2,
        'border-style': 'dashed',
        events: 'no',
      },
    },
    {
      selector: 'node.match',
      style: { 'underlay-color': '#facc15', 'underlay-opacity': 0.9, 'underlay-padding': 5 },
    },
    // Each edge property costs cytoscape a style pass per edge: very large graphs get few.
    large
      ? {
          selector: 'edge',
          style: { width: 1, 'curve-style': 'haystack', opacity: 0.35, 'line-color': REQUIRED },
        }
      : {
          selector: 'edge',
          style: {
            width: 2,
            'curve-style': 'bezier',
            'target-arrow-shape': 'triangle',
            'arrow-scale': 0.9,
            opacity: 0.9,
            'line-color': REQUIRED,
            'target-arrow-color': REQUIRED,
            'font-size': 10,
            'text-background-color': '#ffffff',
            'text-background-opacity': 0.9,
            'text-background-padding': '2px',
            color: INK,
          },
        },
    ...(large ? PLAIN_EDGES : DETAILED_EDGES),
    {
      selector: 'node.drift-source',
      style: {
        'background-color': '#ffffff',
        color: DRIFT,
        'border-color': DRIFT,
        'border-style': 'dashed',
        'border-width': 2,
      },
    },
    { selector: '.faded', style: { opacity: 0.22 } },
    { selector: 'node.region.faded', style: { opacity: 0.35 } },
    {
      selector: 'node:selected',
      style: {
        'border-width': 4,
        'border-color': FOCUS,
        'border-style': 'solid',
        'overlay-opacity': 0,
      },
    },
    {
      selector: 'edge:selected',
      style: {
        width: 4,
        'overlay-color': FOCUS,
        'overlay-opacity': 0.2,
        label: 'data(purposeLabel)',
      },
    },
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
      return {
        data: { id: n.id, display: n.label, ...box(lines) },
        classes: ['purpose', n.match ? 'match' : ''].join(' ').trim(),
      };
    }
  }
}

function edgeElement(
  e: GraphEdge,
  graph: GraphResponse,
  blocked: number | undefined,
): ElementDefinition {
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
  // Onward transfers (Segment → Customer.io): drawn between subprocessors, beside the flows.
  for (const n of graph.nodes) {
    if (n.kind !== 'subprocessor' || !n.transfers) continue;
    for (const to of n.transfers) {
      const target = `subprocessor:${to}`;
      if (!nodeIds.has(target)) continue;
      elements.push({
        data: { id: `transfer:${n.key}:${to}`, source: n.id, target, display: 'passes data on' },
        classes: 'transfer',
      });
    }
  }
  overlays.drift?.forEach((d, i) => {
    const target = `subprocessor:${d.subprocessor}`;
    if (!nodeIds.has(target)) return;
    let source = `field:${d.field}`;
    if (!nodeIds.has(source)) {
      source = `drift-source:${d.field}`;
      if (!nodeIds.has(source)) {
        const lines = [d.field, 'not in the map'];
        elements.push({
          data: { id: source, display: lines.join('\n'), ...box(lines) },
          classes: 'drift-source',
        });
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
 * per region on the right, purposes further right; positions go straight into the
 * elements. The regions become plain boxes drawn behind their subprocessors instead of
 * compound nodes: with compound nodes cytoscape re-derives parents and connected edges on
 * every style change of every element, which alone takes seconds at tens of thousands of
 * edges. No layout algorithm is run.
 */
function columnLayout(graph: GraphResponse, elements: ElementDefinition[]): ElementDefinition[] {
  const pos = new Map<string, { x: number; y: number }>();
  const fields = graph.nodes.filter((n) => n.kind === 'field');
  const perColumn = 60;
  const FIELD_COL = 280;
  const SUB_COL = 190;
  const ROW = 44;
  fields.forEach((n, i) =>
    pos.set(n.id, { x: Math.floor(i / perColumn) * FIELD_COL, y: (i % perColumn) * 36 }),
  );
  let x = Math.ceil(fields.length / perColumn) * FIELD_COL + 600;
  const boxes: ElementDefinition[] = [];
  for (const region of graph.nodes.filter((n) => n.kind === 'region')) {
    const subs = graph.nodes.filter((n) => n.kind === 'subprocessor' && n.parent === region.id);
    if (subs.length === 0) continue;
    const cols = Math.max(1, Math.ceil(Math.sqrt(subs.length / 3)));
    subs.forEach((n, i) =>
      pos.set(n.id, { x: x + (i % cols) * SUB_COL, y: Math.floor(i / cols) * ROW }),
    );
    const rows = Math.ceil(subs.length / cols);
    const w = cols * SUB_COL + 40;
    const h = rows * ROW + 40;
    boxes.push({
      data: { id: region.id, display: region.label, w, h },
      position: { x: x + ((cols - 1) * SUB_COL) / 2, y: ((rows - 1) * ROW) / 2 },
      classes: `region-box region-${region.region}`,
    });
    x += w + 160;
  }
  graph.nodes
    .filter((n) => n.kind === 'purpose')
    .forEach((n, i) => pos.set(n.id, { x: x + 100, y: i * 40 }));
  const out: ElementDefinition[] = [...boxes];
  for (const el of elements) {
    if (el.classes?.toString().startsWith('region ')) continue;
    const p = pos.get(el.data.id!);
    if (p) {
      out.push({ ...el, data: { ...el.data, parent: undefined }, position: p });
    } else if (el.data.source !== undefined && el.data.target !== undefined) {
      // Drawn without arrows here, so the direction does not show; reversed, each edge hangs
      // off the end with fewer edges (a vendor, not a field), which is what cytoscape scans
      // for parallel edges when it adds one.
      out.push({ ...el, data: { ...el.data, source: el.data.target, target: el.data.source } });
    } else {
      out.push(el);
    }
  }
  return out;
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
  private cy: Core;
  private large = false;
  private graph: GraphResponse | null = null;
  private overlays: Overlays = {};
  private layoutName: LayoutName;
  private renders = 0;

  constructor(private readonly options: GraphViewOptions) {
    this.layoutName = options.layout ?? DEFAULT_LAYOUT;
    this.cy = this.create(false);
  }

  /**
   * A cytoscape instance for small or large graphs: the renderer options that make tens of
   * thousands of edges bearable (a texture while panning, no edges while zooming, pixel
   * ratio 1) can only be set when it is created.
   */
  private create(large: boolean): Core {
    const cy = cytoscape({
      container: this.options.container,
      style: style(large),
      minZoom: 0.02,
      maxZoom: 4,
      boxSelectionEnabled: false,
      ...(large
        ? { textureOnViewport: true, hideEdgesOnViewport: true, pixelRatio: 1, motionBlur: false }
        : {}),
    });
    cy.on('tap', (event) => {
      const target = event.target as Core | cytoscape.SingularElementReturnValue;
      if (target === cy) return this.select(null);
      this.select((target as cytoscape.SingularElementReturnValue).id());
    });
    this.large = large;
    return cy;
  }

  get layout(): LayoutName {
    return this.layoutName;
  }

  /** Draws `graph` and resolves once the layout is done and a frame has been painted. */
  async render(
    graph: GraphResponse,
    overlays: Overlays = {},
    layout?: LayoutName,
  ): Promise<RenderStats> {
    const started = performance.now();
    const phases: Record<string, number> = {};
    let lap = started;
    const phase = (name: string) => {
      const now = performance.now();
      phases[name] = Math.round(now - lap);
      lap = now;
    };
    if (layout) this.layoutName = layout;
    this.graph = graph;
    this.overlays = overlays;
    let elements = toElements(graph, overlays);
    // Nodes without edges (a first look at a huge map) go in columns too.
    const large = elements.length > LARGE_GRAPH || graph.query.edges === false;
    if (large) elements = columnLayout(graph, elements);
    phase('elements');
    if (large !== this.large) {
      this.cy.destroy();
      this.cy = this.create(large);
    }
    const cy = this.cy;
    cy.startBatch();
    cy.elements().remove();
    cy.add(elements);
    cy.endBatch();
    phase('add');
    let used: RenderStats['layout'] = this.layoutName;
    if (large) {
      cy.fit(cy.nodes(), 24);
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
    phase('layout');
    await nextFrame();
    phase('paint');
    const stats: RenderStats = {
      nodes: cy.nodes().length,
      edges: cy.edges().length - cy.edges('.transfer').length,
      ms: Math.round(performance.now() - started),
      layout: used,
    };
    const c = this.options.container;
    c.dataset.nodes = String(stats.nodes);
    c.dataset.edges = String(stats.edges);
    c.dataset.transfers = String(cy.edges('.transfer').length);
    c.dataset.renderMs = String(stats.ms);
    c.dataset.layout = stats.layout;
    // Where the time went (elements, add, layout, paint), for the benchmark.
    c.dataset.phases = JSON.stringify(phases);
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
    return this.cy.png({
      output: 'blob',
      full: true,
      bg: '#ffffff',
      scale: 2,
      maxWidth: 8000,
      maxHeight: 8000,
    });
  }

  fit(): void {
    this.cy.fit(undefined, 24);
  }

  zoom(factor: number): void {
    const cy = this.cy;
    cy.zoom({
      level: cy.zoom() * factor,
      renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 },
    });
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
  const regions = cy
    .nodes('.region')
    .toArray()
    .sort((a, b) => a.boundingBox().y1 - b.boundingBox().y1);
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
  return new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
  );
}

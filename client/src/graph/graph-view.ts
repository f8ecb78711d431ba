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
import type { GraphEdge, GraphNode, GraphResponse, RegionBucket, Sensitivity, SubprocessorNode } from '@flowgate/core';
import { BUCKET_LABEL, SENSITIVITY_LABEL } from '../labels';
import { blockedOn } from './overlays';

cytoscape.use(dagre);
cytoscape.use(fcose);

/** `purposes`: fields → purposes → subprocessors in columns, the lines bundled per purpose (dense maps). */
export type LayoutName = 'dagre' | 'fcose' | 'purposes';

/** The layout for the normal case; docs/client.md says why dagre (left to right) won. */
export const DEFAULT_LAYOUT: LayoutName = 'dagre';

/** Fitting never zooms in further than this (text at about 1.3× its size). */
const MAX_FIT_ZOOM = 1.3;

/** The smallest label font of the stylesheet, in graph units (every label is at least this). */
export const MIN_FONT = 12;
/** Labels must read at ≥ 11 px on screen: "Fit" stops at this zoom and grows the canvas instead. */
export const READABLE_ZOOM = 11.5 / MIN_FONT;
/** Up to this many nodes, "Fit" keeps labels readable (a bigger graph is fitted whole). */
export const READABLE_NODES = 60;

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
  /** `columns`: the precomputed grid of a very large map (no layout algorithm, plain lines). */
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
      'font-size': MIN_FONT,
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
      'font-size': MIN_FONT,
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
        'font-size': MIN_FONT,
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
      selector: 'node.region-not-stated',
      style: { 'background-color': '#f1f5f9', 'border-color': '#475569', 'border-style': 'dotted' },
    },
    {
      selector: 'edge.bundle',
      style: { width: 'data(weight)', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', opacity: 0.8 },
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
            'font-size': MIN_FONT,
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

/** Words drawn on the canvas, for a graph shown in another language (the preference centre). */
export interface CanvasWords {
  sensitivity: Record<Sensitivity, string>;
  notStated: string;
  buckets: Record<RegionBucket, string>;
}

const CANVAS_WORDS: CanvasWords = {
  sensitivity: SENSITIVITY_LABEL,
  notStated: 'location not stated',
  buckets: BUCKET_LABEL,
};

function nodeElement(n: GraphNode, words: CanvasWords): ElementDefinition {
  switch (n.kind) {
    case 'region':
      return { data: { id: n.id, display: words === CANVAS_WORDS ? n.label : words.buckets[n.bucket] }, classes: `region region-${n.bucket}` };
    case 'field': {
      // Two short lines rather than one long one: the columns stay narrow enough to read at Fit.
      const lines = [n.label, words.sensitivity[n.sensitivity].toLowerCase()];
      return {
        data: { id: n.id, display: lines.join('\n'), sensitivity: n.sensitivity, ...box(lines) },
        classes: ['field', `sensitivity-${n.sensitivity}`, n.match ? 'match' : ''].join(' ').trim(),
      };
    }
    case 'subprocessor': {
      const lines = [n.name, n.locations.length > 0 ? n.locations.join(', ') : words.notStated];
      return {
        data: { id: n.id, parent: n.parent, display: lines.join('\n'), ...box(lines) },
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

export function toElements(graph: GraphResponse, overlays: Overlays = {}, words: CanvasWords = CANVAS_WORDS): ElementDefinition[] {
  const elements: ElementDefinition[] = graph.nodes.map((n) => nodeElement(n, words));
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
      classes: `region-box region-${region.bucket}`,
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

/**
 * Columns for dense maps: fields on the left, purposes in the middle, subprocessors on the
 * right in their region boxes. Lines are bundled: one from a field to each purpose it is
 * sent for, one per flow from the purpose to the vendor, as thick as the fields it carries.
 * Positions are computed here (no layout algorithm), so it is quick at any size.
 */
function purposeColumns(graph: GraphResponse, elements: ElementDefinition[]): ElementDefinition[] {
  const ROW = 34;
  const byId = new Map(elements.filter((e) => e.data.source === undefined).map((e) => [e.data.id!, e]));
  const fields = graph.nodes.filter((n) => n.kind === 'field');
  const subs = graph.nodes.filter((n): n is SubprocessorNode => n.kind === 'subprocessor');
  const flows = graph.flows;
  const purposes = [...new Map(Object.values(flows).map((f) => [f.purpose, f.purposeName])).entries()].sort((a, b) =>
    a[1].localeCompare(b[1]),
  );
  const width = (id: string) => Number(byId.get(id)?.data.w ?? 120);
  const fieldsW = Math.max(120, ...fields.map((f) => width(f.id)));
  const purposesW = Math.max(120, ...purposes.map(([, name]) => box([name]).w));
  const xPurpose = fieldsW + 260;
  const xSub = xPurpose + purposesW + 300;
  const out: ElementDefinition[] = [];
  const place = (el: ElementDefinition | undefined, x: number, y: number) => {
    if (el) out.push({ ...el, position: { x, y } });
  };
  const tall = Math.max(fields.length, subs.length + 3, purposes.length) * ROW;
  fields.forEach((f, i) => place(byId.get(f.id), fieldsW / 2, i * ROW));
  const step = purposes.length > 1 ? Math.max(ROW * 1.4, tall / purposes.length) : ROW;
  purposes.forEach(([key, name], i) => {
    const id = `purpose:${key}`;
    place(byId.get(id) ?? { data: { id, display: name, ...box([name]) }, classes: 'purpose' }, xPurpose + purposesW / 2, i * step);
  });
  let y = 0;
  for (const bucket of ['eea', 'third-country', 'not-stated'] as const) {
    const inBucket = subs.filter((s) => s.bucket === bucket);
    if (inBucket.length === 0) continue;
    const region = byId.get(`region:${bucket}`);
    if (region) out.push(region);
    for (const s of inBucket) {
      place(byId.get(s.id), xSub, y);
      y += ROW;
    }
    y += ROW * 2.5;
  }
  const bundles = new Map<string, { source: string; target: string; mode: string; n: number; allowed: boolean | null }>();
  const add = (id: string, source: string, target: string, mode: string, allowed: boolean | null) => {
    const b = bundles.get(id);
    if (b) {
      b.n += 1;
      if (allowed) b.allowed = true;
    } else bundles.set(id, { source, target, mode, n: 1, allowed });
  };
  for (const e of graph.edges) {
    if (e.kind !== 'sent') continue;
    const flow = flows[e.flow];
    if (!flow) continue;
    const allowed = e.user ? e.user.allowed : null;
    add(`bundle:${e.source}|${flow.purpose}`, e.source, `purpose:${flow.purpose}`, e.mode, allowed);
    add(`bundle:${e.flow}`, `purpose:${flow.purpose}`, e.target, e.mode, allowed);
  }
  for (const [id, b] of bundles) {
    const classes = ['bundle', `mode-${b.mode}`];
    if (b.allowed !== null) classes.push(b.allowed ? 'allowed' : 'blocked');
    out.push({
      data: { id, source: b.source, target: b.target, weight: Math.min(9, 1.5 + Math.sqrt(b.n) * 1.2) },
      classes: classes.join(' '),
    });
  }
  return out;
}

function layoutOptions(name: LayoutName): LayoutOptions {
  if (name === 'dagre') {
    return {
      name: 'dagre',
      rankDir: 'LR',
      nodeSep: 8,
      rankSep: 170,
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
  words?: CanvasWords;
}

export class GraphView {
  private cy: Core;
  private large = false;
  private graph: GraphResponse | null = null;
  private overlays: Overlays = {};
  private layoutName: LayoutName;
  /** The layout was picked (the menu), not defaulted. */
  private chosen = false;
  private used: RenderStats['layout'] = DEFAULT_LAYOUT;
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

  /** The layout of the last render (`columns`: the precomputed grid of a very large map). */
  get layout(): RenderStats['layout'] {
    return this.used;
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
    if (layout) {
      this.layoutName = layout;
      this.chosen = true;
    }
    this.graph = graph;
    this.overlays = overlays;
    let elements = toElements(graph, overlays, this.options.words);
    // Nodes without edges (a first look at a huge map) go in columns too.
    const large = elements.length > LARGE_GRAPH || graph.query.edges === false;
    // A dense map reads better in columns, unless someone picked a layout.
    const drawn = graph.nodes.filter((n) => n.kind !== 'region').length;
    const name: LayoutName = this.chosen ? this.layoutName : drawn > READABLE_NODES ? 'purposes' : DEFAULT_LAYOUT;
    const columns = !large && name === 'purposes';
    if (large) elements = columnLayout(graph, elements);
    else if (columns) elements = purposeColumns(graph, elements);
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
    let used: RenderStats['layout'] = name;
    if (large) {
      used = 'columns';
    } else if (!columns) {
      await new Promise<void>((resolve) => {
        const run = cy.layout(layoutOptions(name));
        run.one('layoutstop', () => resolve());
        run.run();
      });
      if (name === 'dagre') alignColumns(cy);
      separateRegions(cy);
    }
    this.used = used;
    this.fit();
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
    this.measure();
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

  /**
   * Fits the graph in its canvas, but never below READABLE_ZOOM for graphs up to
   * READABLE_NODES nodes: then the canvas grows (its scrolling parent scrolls) so labels
   * stay at least 11 px. Wheel zoom is off on a grown canvas, so the wheel scrolls the page.
   */
  fit(): void {
    const cy = this.cy;
    const c = this.options.container;
    const PAD = 24;
    c.style.width = '';
    c.style.height = '';
    cy.resize();
    cy.fit(undefined, PAD);
    const nodes = cy.nodes().not('.region, .region-box').length;
    let grown = false;
    if (this.used !== 'columns' && nodes > 0 && nodes <= READABLE_NODES && cy.zoom() < READABLE_ZOOM) {
      const bb = cy.elements().boundingBox();
      const width = Math.ceil(bb.w * READABLE_ZOOM + 2 * PAD);
      const height = Math.ceil(bb.h * READABLE_ZOOM + 2 * PAD);
      const box = c.getBoundingClientRect();
      if (width > box.width) c.style.width = `${width}px`;
      if (height > box.height) c.style.height = `${height}px`;
      cy.resize();
      cy.zoom(READABLE_ZOOM);
      cy.pan({
        x: PAD - bb.x1 * READABLE_ZOOM + Math.max(0, (cy.width() - width) / 2),
        y: PAD - bb.y1 * READABLE_ZOOM + Math.max(0, (cy.height() - height) / 2),
      });
      grown = true;
    } else if (cy.zoom() > MAX_FIT_ZOOM) {
      // A small selection should not be blown up to fill the canvas.
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
    cy.userZoomingEnabled(!grown);
    c.classList.toggle('grown', grown);
    this.measure();
  }

  /** The smallest label on screen, in CSS pixels (font size × zoom), for tests and the benchmark. */
  private measure(): void {
    const cy = this.cy;
    let min = Infinity;
    cy.elements().forEach((ele) => {
      const label = ele.style('label') as string | undefined;
      if (!label || ele.style('display') === 'none') return;
      min = Math.min(min, parseFloat(ele.style('font-size') as string) * cy.zoom());
    });
    const c = this.options.container;
    c.dataset.zoom = cy.zoom().toFixed(3);
    c.dataset.minLabelPx = Number.isFinite(min) ? min.toFixed(2) : '';
  }

  zoom(factor: number): void {
    const cy = this.cy;
    this.measure();
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

/**
 * dagre centres each node in its rank, and ranks around region boxes drift apart, which
 * makes the graph wider than it needs to be. Fields are right-aligned against their column
 * and subprocessors left-aligned against theirs, so the two columns read as two columns and
 * the graph fits the canvas at a readable zoom.
 */
function alignColumns(cy: Core): void {
  const fields = cy.nodes('.field, .drift-source');
  const subs = cy.nodes('.subprocessor');
  if (fields.empty() || subs.empty()) return;
  const right = Math.max(...fields.map((n) => n.position().x + n.width() / 2));
  const left = Math.min(...subs.map((n) => n.position().x - n.width() / 2));
  const purposes = cy.nodes('.purpose');
  cy.startBatch();
  fields.forEach((n) => {
    n.position({ x: right - n.width() / 2, y: n.position().y });
  });
  subs.forEach((n) => {
    n.position({ x: left + n.width() / 2, y: n.position().y });
  });
  if (purposes.nonempty()) {
    const subsRight = Math.max(...subs.map((n) => n.position().x + n.width() / 2));
    const pLeft = Math.min(...purposes.map((n) => n.position().x - n.width() / 2));
    if (pLeft < subsRight + 120)
      purposes.forEach((n) => {
        n.position({ x: n.position().x + subsRight + 120 - pLeft, y: n.position().y });
      });
  }
  cy.endBatch();
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
  );
}

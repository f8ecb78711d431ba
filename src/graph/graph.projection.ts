import type { StoredMap } from '../data-map/data-map.store';
import { flowKeyOf, NOT_STATED, type NotStated, type Region, regionOf } from '@flowgate/core';
import { listedLocations, organizationOf, sentFields } from '../data-map/manifest/manifest.types';
import type {
  ManifestField,
  ManifestFlow,
  ManifestPurpose,
  ManifestSubprocessor,
} from '../data-map/manifest/manifest.types';
import type {
  EdgeUserState,
  FieldNode,
  GraphEdge,
  GraphFlow,
  GraphNode,
  GraphQuery,
  GraphResponse,
  PurposeNode,
  RegionBucket,
  RegionNode,
  SubprocessorNode,
} from '@flowgate/core';

/** The per-user verdicts of one flow: the flow's own, and one per field it sends. */
export interface FlowVerdict {
  flow: EdgeUserState;
  fields: ReadonlyMap<string, EdgeUserState>;
}

/** Judges a flow for one user (the service builds it on the decision engine). */
export type FlowJudge = (flow: ManifestFlow, key: string) => FlowVerdict;

export interface ProjectionOptions {
  /** Per-user view: verdicts per flow; `user` says whose. */
  judge?: FlowJudge;
  user?: GraphResponse['user'];
}

export const REGION_LABELS: Readonly<Record<RegionBucket, string>> = {
  eea: 'EU/EEA',
  'third-country': 'Third country (stated)',
  'not-stated': 'Location not stated',
};

/** The bucket of a list of locations: none stated is its own answer, not a third country. */
export function bucketOf(locations: readonly string[] | NotStated): RegionBucket {
  const listed = locations === NOT_STATED ? [] : locations;
  return listed.length === 0 ? 'not-stated' : regionOf(listed);
}

const EXCLUDED_STATE: EdgeUserState = Object.freeze({ allowed: false, reason: 'excluded' });

/**
 * Projects the stored data map onto the graph the client draws: fields, subprocessors
 * (inside EU/EEA and third-country compound nodes), optionally purposes; one edge per
 * (flow, field) sent, and on request per field a flow explicitly does not send.
 *
 * Filters narrow and combine with AND. Flow-level filters (subprocessor, purpose, mode,
 * region) pick flows; field-level filters (field, sensitivity) pick the fields on them;
 * `q` keeps an edge when its field, subprocessor or purpose matches. A node is drawn when
 * an edge (or, for subprocessors and purposes, a flow) touches it, or when it matches the
 * filters by itself and no filter of the other side is set — so "where does X go?" shows X
 * even when it goes nowhere. Pure: no I/O, no clock.
 */
export function projectGraph(
  map: StoredMap,
  query: GraphQuery,
  options: ProjectionOptions = {},
): GraphResponse {
  const { manifest } = map;
  const fields = new Map(manifest.fields.map((f) => [f.key, f]));
  const purposes = new Map(manifest.purposes.map((p) => [p.key, p]));
  const subprocessors = new Map(manifest.subprocessors.map((s) => [s.key, s]));
  const regions = new Map(manifest.subprocessors.map((s) => [s.key, regionOf(s.locations)]));

  const needle = query.q ? query.q.toLowerCase() : null;
  const text = (key: string, name: string) =>
    needle === null || key.toLowerCase().includes(needle) || name.toLowerCase().includes(needle);
  const fieldText = memo((key: string) => text(key, fields.get(key)?.name ?? ''));
  const subprocessorText = memo((key: string) => text(key, subprocessors.get(key)?.name ?? ''));
  const purposeText = memo((key: string) => text(key, purposes.get(key)?.name ?? ''));

  const flowFilter =
    query.subprocessor !== undefined ||
    query.purpose !== undefined ||
    query.mode !== undefined ||
    query.region !== undefined;
  const fieldFilter = query.field !== undefined || query.sensitivity !== undefined;
  const anyFilter = flowFilter || fieldFilter || needle !== null;

  const flowPasses = (f: ManifestFlow) =>
    (query.subprocessor === undefined || f.subprocessor === query.subprocessor) &&
    (query.purpose === undefined || f.purpose === query.purpose) &&
    (query.mode === undefined || f.mode === query.mode) &&
    (query.region === undefined || regions.get(f.subprocessor) === query.region);
  const fieldPasses = (key: string) =>
    (query.field === undefined || key === query.field) &&
    (query.sensitivity === undefined || fields.get(key)?.sensitivity === query.sensitivity);
  const textPasses = (f: ManifestFlow, field: string) =>
    needle === null ||
    fieldText(field) ||
    subprocessorText(f.subprocessor) ||
    purposeText(f.purpose);

  // The unfiltered map keeps every sent edge: the array is made at its final size once, so
  // tens of thousands of pushes do not regrow (and re-copy) it on the way.
  const presized = !anyFilter && !query.excluded && query.edges !== false;
  let edgeCount = 0;
  if (presized) for (const flow of manifest.flows) edgeCount += sentFields(flow).length;
  const edges: GraphEdge[] = presized ? new Array<GraphEdge>(edgeCount) : [];
  let edgeAt = 0;
  const purposeEdges: GraphEdge[] = [];
  const flows: Record<string, GraphFlow> = {};
  const shownFields = new Set<string>();
  const shownSubprocessors = new Set<string>();
  const shownPurposes = new Set<string>();
  let sentEdges = 0;

  // Hot loop (tens of thousands of edges on a big map): precomputed strings, one object
  // shape per edge, filters skipped when unset.
  const sourceOf = new Map(manifest.fields.map((f) => [f.key, `field:${f.key}`]));
  const iso = isoCache();
  const everyField = !fieldFilter;
  // `edges=false`: the same nodes, without edges or flows (a first look at a huge map).
  const drawEdges = query.edges !== false;
  for (const flow of manifest.flows) {
    const sent = sentFields(flow);
    sentEdges += sent.length;
    if (flowFilter && !flowPasses(flow)) continue;
    const key = flowKeyOf(flow.subprocessor, flow.purpose);
    const target = `subprocessor:${flow.subprocessor}`;
    const since = map.flows.get(key)?.since;
    const verdict = drawEdges ? options.judge?.(flow, key) : undefined;
    const idPrefix = `sent:${key}:`;
    let kept = 0;
    for (const field of sent) {
      if (!everyField && !fieldPasses(field)) continue;
      if (needle !== null && !textPasses(flow, field)) continue;
      kept += 1;
      shownFields.add(field);
      if (!drawEdges) continue;
      edges[edgeAt++] = {
        id: idPrefix + field,
        kind: 'sent',
        source: sourceOf.get(field) ?? `field:${field}`,
        target,
        flow: key,
        field,
        mode: flow.mode,
        since: since?.get(field) ?? 1,
        user: verdict?.fields.get(field),
      };
    }
    if (query.excluded) {
      for (const field of flow.excludedFields ?? []) {
        if (!everyField && !fieldPasses(field)) continue;
        if (needle !== null && !textPasses(flow, field)) continue;
        kept += 1;
        shownFields.add(field);
        if (!drawEdges) continue;
        edges[edgeAt++] = {
          id: `excluded:${key}:${field}`,
          kind: 'excluded',
          source: sourceOf.get(field) ?? `field:${field}`,
          target,
          flow: key,
          field,
          mode: flow.mode,
          user: verdict ? EXCLUDED_STATE : undefined,
        };
      }
    }
    const drawn =
      kept > 0 ||
      (!fieldFilter &&
        (needle === null || subprocessorText(flow.subprocessor) || purposeText(flow.purpose)));
    if (!drawn) continue;
    shownSubprocessors.add(flow.subprocessor);
    if (query.purposes) shownPurposes.add(flow.purpose);
    if (!drawEdges) continue;
    flows[key] = graphFlow(flow, key, map, purposes, subprocessors, verdict?.flow, iso);
    if (query.purposes) {
      purposeEdges.push({
        id: `purpose:${key}`,
        kind: 'purpose',
        source: target,
        target: `purpose:${flow.purpose}`,
        flow: key,
        mode: flow.mode,
      });
    }
  }

  if (edges.length !== edgeAt) edges.length = edgeAt;

  // Nodes that match the filters by themselves, with nothing set on the other side.
  if (!flowFilter) {
    for (const f of manifest.fields)
      if (fieldPasses(f.key) && fieldText(f.key)) shownFields.add(f.key);
  }
  if (!fieldFilter && query.purpose === undefined && query.mode === undefined) {
    for (const s of manifest.subprocessors) {
      const passes =
        (query.subprocessor === undefined || s.key === query.subprocessor) &&
        (query.region === undefined || regions.get(s.key) === query.region) &&
        subprocessorText(s.key);
      if (passes) shownSubprocessors.add(s.key);
    }
  }
  if (
    query.purposes &&
    !fieldFilter &&
    query.subprocessor === undefined &&
    query.mode === undefined &&
    query.region === undefined
  ) {
    for (const p of manifest.purposes) {
      if ((query.purpose === undefined || p.key === query.purpose) && purposeText(p.key))
        shownPurposes.add(p.key);
    }
  }

  const isMatch = (direct: boolean, textMatch: boolean) => direct || (needle !== null && textMatch);
  const nodes: GraphNode[] = [];
  const located = new Map(manifest.subprocessors.map((s) => [s.key, s.locations]));
  const shownBuckets = new Set([...shownSubprocessors].map((k) => bucketOf(located.get(k)!)));
  for (const bucket of ['eea', 'third-country', 'not-stated'] as const) {
    if (shownBuckets.has(bucket)) nodes.push(regionNode(bucket));
  }
  for (const f of manifest.fields) {
    if (shownFields.has(f.key)) {
      nodes.push(fieldNode(f, anyFilter && isMatch(f.key === query.field, fieldText(f.key))));
    }
  }
  for (const s of manifest.subprocessors) {
    if (shownSubprocessors.has(s.key)) {
      nodes.push(
        subprocessorNode(
          s,
          anyFilter && isMatch(s.key === query.subprocessor, subprocessorText(s.key)),
        ),
      );
    }
  }
  for (const p of manifest.purposes) {
    if (shownPurposes.has(p.key)) {
      nodes.push(purposeNode(p, anyFilter && isMatch(p.key === query.purpose, purposeText(p.key))));
    }
  }

  return {
    mapVersion: map.version,
    ...(manifest.organization ? { organization: organizationOf(manifest)!.name } : {}),
    updatedAt: map.updatedAt ? map.updatedAt.toISOString() : null,
    query,
    nodes,
    edges: purposeEdges.length > 0 ? edges.concat(purposeEdges) : edges,
    flows,
    totals: {
      fields: manifest.fields.length,
      subprocessors: manifest.subprocessors.length,
      purposes: manifest.purposes.length,
      flows: manifest.flows.length,
      sentEdges,
    },
    ...(options.user ? { user: options.user } : {}),
  };
}

function graphFlow(
  flow: ManifestFlow,
  key: string,
  map: StoredMap,
  purposes: ReadonlyMap<string, ManifestPurpose>,
  subprocessors: ReadonlyMap<string, ManifestSubprocessor>,
  user: EdgeUserState | undefined,
  iso: (date: Date) => string,
): GraphFlow {
  const stored = map.flows.get(key);
  const vendor = subprocessors.get(flow.subprocessor);
  const locations = vendor ? listedLocations(vendor) : [];
  // One object shape for every flow (absent values are undefined, which JSON leaves out).
  return {
    key,
    subprocessor: flow.subprocessor,
    purpose: flow.purpose,
    purposeName: purposes.get(flow.purpose)?.name ?? flow.purpose,
    mode: flow.mode,
    legalBasis: flow.legalBasis,
    fields: sentFields(flow),
    excludedFields: flow.excludedFields ?? [],
    version: stored?.version ?? 1,
    updatedAt: iso(stored?.updatedAt ?? map.updatedAt ?? new Date(0)),
    region: regionOf(locations),
    locations,
    description: flow.description || undefined,
    user,
  };
}

/** `toISOString`, remembered per instant (most flows of a map share a few). */
function isoCache(): (date: Date) => string {
  const cache = new Map<number, string>();
  return (date) => {
    const t = date.getTime();
    let text = cache.get(t);
    if (text === undefined) cache.set(t, (text = date.toISOString()));
    return text;
  };
}

function regionNode(bucket: RegionBucket): RegionNode {
  const region: Region = bucket === 'eea' ? 'eea' : 'third-country';
  return { id: `region:${bucket}`, kind: 'region', label: REGION_LABELS[bucket], region, bucket };
}

function fieldNode(f: ManifestField, match: boolean): FieldNode {
  return {
    id: `field:${f.key}`,
    kind: 'field',
    label: f.name,
    key: f.key,
    sensitivity: f.sensitivity,
    paths: f.paths,
    ...(f.description ? { description: f.description } : {}),
    match,
  };
}

/** Label with where it processes: `Datadog (EU)`, `Intercom (US)`, `LogRocket (location not stated)`. */
export function subprocessorLabel(s: Pick<ManifestSubprocessor, 'name' | 'locations'>): string {
  const locations = listedLocations(s);
  return `${s.name} (${locations.length > 0 ? locations.join(', ') : 'location not stated'})`;
}

function subprocessorNode(s: ManifestSubprocessor, match: boolean): SubprocessorNode {
  const bucket = bucketOf(s.locations);
  const region = regionOf(s.locations);
  return {
    id: `subprocessor:${s.key}`,
    kind: 'subprocessor',
    label: subprocessorLabel(s),
    parent: `region:${bucket}`,
    key: s.key,
    name: s.name,
    locations: listedLocations(s),
    region,
    bucket,
    category: s.category,
    ...(s.transferMechanism ? { transferMechanism: s.transferMechanism } : {}),
    ...(s.legalEntity ? { legalEntity: s.legalEntity } : {}),
    ...(s.address ? { address: s.address } : {}),
    ...(s.url ? { url: s.url } : {}),
    ...(s.description ? { description: s.description } : {}),
    ...(s.parent ? { parentEntity: s.parent } : {}),
    ...(s.transfers?.length ? { transfers: s.transfers.map((t) => t.to) } : {}),
    match,
  };
}

function purposeNode(p: ManifestPurpose, match: boolean): PurposeNode {
  return {
    id: `purpose:${p.key}`,
    kind: 'purpose',
    label: p.name,
    key: p.key,
    ...(p.description ? { description: p.description } : {}),
    match,
  };
}

function memo(fn: (key: string) => boolean): (key: string) => boolean {
  const cache = new Map<string, boolean>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = fn(key)));
    return value;
  };
}

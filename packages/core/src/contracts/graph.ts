/**
 * The graph's wire format: what `GET /api/v1/graph` returns and the web client renders.
 * Plain types only (no Nest, no decorators), so the client imports them as they are.
 */
import type {
  ConsentMode,
  LegalBasis,
  Region,
  Sensitivity,
  SubprocessorCategory,
  TransferMechanism,
} from '../vocabulary.js';

export type GraphNodeKind = 'region' | 'field' | 'subprocessor' | 'purpose';

interface NodeBase {
  /** `<kind>:<key>`, e.g. `field:user.contact.email`, `subprocessor:stripe`, `region:eea`. */
  id: string;
  kind: GraphNodeKind;
  label: string;
}

/**
 * Where a subprocessor processes, as the graph groups it: inside the EU/EEA, in a third
 * country the vendor names, or nowhere stated. The last two are both `third-country` as a
 * `Region` (an unstated place is not assumed to be safe), but they are different answers.
 */
export type RegionBucket = 'eea' | 'third-country' | 'not-stated';

/** A compound node holding the subprocessors of one region bucket. */
export interface RegionNode extends NodeBase {
  kind: 'region';
  region: Region;
  bucket: RegionBucket;
}

export interface FieldNode extends NodeBase {
  kind: 'field';
  key: string;
  sensitivity: Sensitivity;
  paths: string[];
  description?: string;
  /** Whether this node matches the query itself (not only through one of its edges). */
  match: boolean;
}

export interface SubprocessorNode extends NodeBase {
  kind: 'subprocessor';
  /** The region compound node it sits in. */
  parent: string;
  key: string;
  name: string;
  locations: string[];
  region: Region;
  bucket: RegionBucket;
  category: SubprocessorCategory;
  transferMechanism?: TransferMechanism;
  legalEntity?: string;
  address?: string;
  url?: string;
  description?: string;
  /** The group it belongs to (`parent` in the manifest; `parent` here is the region box). */
  parentEntity?: string;
  /** Keys of the subprocessors it passes data on to (onward transfers). */
  transfers?: string[];
  match: boolean;
}

export interface PurposeNode extends NodeBase {
  kind: 'purpose';
  key: string;
  description?: string;
  match: boolean;
}

export type GraphNode = RegionNode | FieldNode | SubprocessorNode | PurposeNode;

/**
 * `sent`: field → subprocessor, one per (flow, field) the flow sends.
 * `excluded`: field → subprocessor, what the flow explicitly does not send (on request).
 * `purpose`: subprocessor → purpose, one per flow (on request).
 */
export type GraphEdgeKind = 'sent' | 'excluded' | 'purpose';

/** Why an edge is blocked for one user now: the engine's reason codes. */
export type EdgeBlockReason =
  | 'undeclared'
  | 'excluded'
  | 'opted-out'
  | 'not-opted-in'
  | 'no-flow'
  | 'stale-consent'
  | 'policy-unavailable'
  | 'not-yet-effective'
  | 'personal-value'
  | 'unreadable';

/** The per-user view of a `sent` edge: does this field go to that vendor for this user now? */
export interface EdgeUserState {
  allowed: boolean;
  /** The engine's reason when blocked; null when allowed. */
  reason: EdgeBlockReason | null;
}

export interface GraphEdge {
  /** `<kind>:<flowKey>:<fieldKey>` (`purpose:<flowKey>` for purpose edges). */
  id: string;
  kind: GraphEdgeKind;
  source: string;
  target: string;
  /** The flow this edge belongs to (key into `GraphResponse.flows`). */
  flow: string;
  /** The field carried (sent and excluded edges). */
  field?: string;
  mode: ConsentMode;
  /** Sent edges: the flow version at which the field was added. */
  since?: number;
  /** Per-user view only, on sent edges. */
  user?: EdgeUserState;
}

export interface GraphFlow {
  key: string;
  subprocessor: string;
  purpose: string;
  purposeName: string;
  mode: ConsentMode;
  legalBasis: LegalBasis;
  fields: string[];
  excludedFields: string[];
  version: number;
  /** When the flow last changed (ISO 8601). */
  updatedAt: string;
  region: Region;
  locations: string[];
  description?: string;
  /** Per-user view only: the flow-level verdict for this user now. */
  user?: EdgeUserState;
}

/** The filters, as applied (normalized). Every filter narrows; they combine with AND. */
export interface GraphQuery {
  field?: string;
  subprocessor?: string;
  purpose?: string;
  mode?: ConsentMode;
  region?: Region;
  sensitivity?: Sensitivity;
  /** Case-insensitive text search in keys and names of fields, subprocessors and purposes. */
  q?: string;
  /** Also draw what flows explicitly do not send. */
  excluded: boolean;
  /** Also draw purpose nodes (subprocessor → purpose). */
  purposes: boolean;
  /** Per-user view: each sent edge allowed or blocked for this user now. */
  user?: string;
  /** False: the nodes only (no edges, no flows), for a first look at a very large map. */
  edges?: boolean;
}

export interface GraphTotals {
  fields: number;
  subprocessors: number;
  purposes: number;
  flows: number;
  /** Sent (flow, field) pairs. */
  sentEdges: number;
}

export interface GraphResponse {
  mapVersion: number;
  organization?: string;
  /** When the map last changed (ISO 8601), null for a map never written. */
  updatedAt: string | null;
  query: GraphQuery;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The flows drawn, by key. */
  flows: Record<string, GraphFlow>;
  /** The whole map's size, whatever the filters. */
  totals: GraphTotals;
  /** Per-user view: whose consents the edges reflect, and under which policy version. */
  user?: { id: string; policyVersion: number; gpc: boolean };
}

/** What the filters offer: every field, subprocessor and purpose of the map, without edges. */
export interface GraphCatalog {
  mapVersion: number;
  organization?: string;
  updatedAt: string | null;
  fields: { key: string; name: string; sensitivity: Sensitivity }[];
  subprocessors: { key: string; name: string; region: Region; locations: string[] }[];
  purposes: { key: string; name: string }[];
  totals: GraphTotals;
}

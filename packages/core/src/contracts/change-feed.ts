/*
 * The change feed (`GET /api/v1/changes`, server-sent events). Each SSE event's name is the
 * `kind` and its data the JSON of the whole event; `id` is the change-log id clients resume
 * from with `Last-Event-ID`.
 */

/** A committed change, as the change log holds it and the feed announces it. */
export type ChangeEvent =
  | { readonly id: number; readonly kind: 'policy'; readonly version: number }
  | { readonly id: number; readonly kind: 'consent'; readonly userId: string; readonly version: number };

/** Sent once the backlog after `Last-Event-ID` is out: what follows is live. */
export interface ReadyEvent {
  readonly kind: 'ready';
  readonly lastEventId: number;
  readonly policyVersion: number;
}

/** The client's `Last-Event-ID` is beyond the log (the database was replaced): refetch everything. */
export interface ResetEvent {
  readonly kind: 'reset';
  readonly lastEventId: number;
}

/**
 * Sent every `HEARTBEAT_INTERVAL_MS` while nothing else is: a client that hears neither an
 * event nor a heartbeat for longer knows the feed is silent (a black-holed connection sends
 * no bytes and no reset), and stops trusting what it cached. Carries no id, so it does not
 * move `Last-Event-ID`.
 */
export interface HeartbeatEvent {
  readonly kind: 'heartbeat';
}

/** How often the server sends a heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export type FeedEvent = ChangeEvent | ReadyEvent | ResetEvent | HeartbeatEvent;
export type FeedEventKind = FeedEvent['kind'];

/** The SSE lines of one feed event. */
export function formatFeedEvent(event: FeedEvent): string {
  if (event.kind === 'heartbeat') return `event: heartbeat\ndata: {"kind":"heartbeat"}\n\n`;
  const id = event.kind === 'ready' || event.kind === 'reset' ? event.lastEventId : event.id;
  return `id: ${id}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * One SSE event (its `event:` name and `data:`) as a typed feed event, or null for an event
 * this version does not know or whose data is not of its kind's shape.
 */
export function parseFeedEvent(name: string, data: string): FeedEvent | null {
  let d: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null) return null;
    d = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  switch (name) {
    case 'policy':
      return num(d.id) && num(d.version) ? { id: d.id, kind: 'policy', version: d.version } : null;
    case 'consent':
      return num(d.id) && num(d.version) && typeof d.userId === 'string'
        ? { id: d.id, kind: 'consent', userId: d.userId, version: d.version }
        : null;
    case 'ready':
      return num(d.lastEventId) && num(d.policyVersion)
        ? { kind: 'ready', lastEventId: d.lastEventId, policyVersion: d.policyVersion }
        : null;
    case 'reset':
      return num(d.lastEventId) ? { kind: 'reset', lastEventId: d.lastEventId } : null;
    case 'heartbeat':
      return { kind: 'heartbeat' };
    default:
      return null;
  }
}

/**
 * Audit overlays from the SDK's reports (GET /api/v1/audit/summary and /drift): blocked-call
 * counts on lines, and drift lines (observed, not declared). Optional by design: when the
 * audit API is missing or has no data, the graph shows the declared map only.
 */
import type { GraphEdge } from '@flowgate/core';
import { ApiError, apiJson, queryString } from '../api';
import type { DriftEdge, Overlays } from './graph-view';

export type AuditStatus =
  | { state: 'loading' }
  | { state: 'unavailable' }
  | { state: 'empty'; days: number }
  | { state: 'ready'; overlays: Overlays; blockedTotal: number; days: number };

/** The window the overlays cover. */
export const AUDIT_DAYS = 30;
/** Subprocessors whose blocked calls are broken down by field (one request each). */
const MAX_BREAKDOWNS = 50;

interface CountByKey {
  key: string;
  count: number;
}
interface SummaryResponse {
  total: number;
  bySubprocessor: CountByKey[];
  byField: CountByKey[];
}
interface DriftResponse {
  items: { subprocessor: string; purpose: string | null; field: string; count: number }[];
}

/** How blocked-call counts are keyed: what the audit records say (vendor and field). */
export function blockedKey(subprocessor: string, field: string): string {
  return `${subprocessor}|${field}`;
}

/** Blocked calls carrying the edge's field to its subprocessor (sent edges only). */
export function blockedOn(overlays: Overlays, edge: GraphEdge): number | undefined {
  if (edge.kind !== 'sent' || edge.field === undefined) return undefined;
  return overlays.blockedCalls?.get(
    blockedKey(edge.target.slice('subprocessor:'.length), edge.field),
  );
}

async function optional<T>(path: string, token: string): Promise<T | null> {
  try {
    return await apiJson<T>(path, { token });
  } catch (error) {
    if (
      error instanceof ApiError &&
      (error.status === 404 || error.status === 405 || error.status === 501)
    )
      return null;
    throw error;
  }
}

export async function loadAuditOverlays(token: string, now = new Date()): Promise<AuditStatus> {
  const window = {
    from: new Date(now.getTime() - AUDIT_DAYS * 24 * 3600 * 1000).toISOString(),
    to: new Date(now.getTime() + 60_000).toISOString(),
  };
  let summary: SummaryResponse | null;
  let drift: DriftResponse | null;
  try {
    [summary, drift] = await Promise.all([
      optional<SummaryResponse>(
        `/api/v1/audit/summary${queryString({ ...window, kind: 'blocked', limit: '1000' })}`,
        token,
      ),
      optional<DriftResponse>(
        `/api/v1/audit/drift${queryString({ ...window, limit: '1000' })}`,
        token,
      ),
    ]);
  } catch {
    return { state: 'unavailable' };
  }
  if (summary === null && drift === null) return { state: 'unavailable' };

  const blockedCalls = new Map<string, number>();
  const vendors = (summary?.bySubprocessor ?? [])
    .filter((s) => s.count > 0)
    .slice(0, MAX_BREAKDOWNS);
  const breakdowns = await Promise.all(
    vendors.map((v) =>
      optional<SummaryResponse>(
        `/api/v1/audit/summary${queryString({ ...window, kind: 'blocked', subprocessor: v.key, limit: '1000' })}`,
        token,
      ).catch(() => null),
    ),
  );
  vendors.forEach((v, i) => {
    for (const f of breakdowns[i]?.byField ?? []) {
      if (f.key !== '*' && f.count > 0) blockedCalls.set(blockedKey(v.key, f.key), f.count);
    }
  });
  const driftEdges: DriftEdge[] = (drift?.items ?? []).map((d) => ({
    subprocessor: d.subprocessor,
    field: d.field,
    count: d.count,
    ...(d.purpose ? { purpose: d.purpose } : {}),
  }));
  if ((summary?.total ?? 0) === 0 && driftEdges.length === 0)
    return { state: 'empty', days: AUDIT_DAYS };
  return {
    state: 'ready',
    overlays: { blockedCalls, drift: driftEdges },
    blockedTotal: summary?.total ?? 0,
    days: AUDIT_DAYS,
  };
}

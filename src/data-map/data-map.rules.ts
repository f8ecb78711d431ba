import type { Problem } from '../common/domain-error';
import { flowKeyOf, NOT_STATED } from '@flowgate/core';
import type { Manifest, ManifestFlow, ManifestSubprocessor, ManifestTransfer } from './manifest/manifest.types';

/**
 * The data map's invariants, checked on every write path (REST and manifest import).
 * Structural rules (types, patterns, lengths) live in the DTOs; these are the rules
 * between values and between entries.
 */
export interface KnownKeys {
  fields: ReadonlySet<string>;
  purposes: ReadonlySet<string>;
  subprocessors: ReadonlySet<string>;
}

/** Problems with one flow, with paths relative to the flow (`fields[1]`, `legalBasis`). */
export function checkFlow(flow: ManifestFlow, known: KnownKeys): Problem[] {
  const problems: Problem[] = [];
  const byFeature = flow.activation === 'feature';
  if (byFeature && flow.mode !== 'opt-in') {
    problems.push({
      path: 'mode',
      message: `must be "opt-in" for a flow with activation "feature" (off until the user turns the feature on; got "${flow.mode}")`,
    });
  }
  if (byFeature && !flow.feature) {
    problems.push({ path: 'feature', message: 'names the feature that turns this flow on (activation "feature")' });
  }
  if (!byFeature && flow.feature !== undefined) {
    problems.push({ path: 'feature', message: 'is only for a flow with activation "feature"' });
  }
  if (flow.mode === 'opt-in' && !byFeature && flow.legalBasis !== 'consent') {
    problems.push({
      path: 'legalBasis',
      message: `must be "consent" for an opt-in flow (got "${flow.legalBasis}")`,
    });
  }
  if (flow.mode === 'required' && flow.legalBasis === 'consent') {
    problems.push({
      path: 'legalBasis',
      message:
        'cannot be "consent" for a required flow: consent can be withdrawn, a required flow cannot (use contract, legitimate-interests or legal-obligation)',
    });
  }
  if (!known.subprocessors.has(flow.subprocessor)) {
    problems.push({ path: 'subprocessor', message: `unknown subprocessor "${flow.subprocessor}"` });
  }
  if (!known.purposes.has(flow.purpose)) {
    problems.push({ path: 'purpose', message: `unknown purpose "${flow.purpose}"` });
  }
  const sent = new Set<string>();
  listOf(flow.fields === NOT_STATED ? [] : flow.fields).forEach((key, i) => {
    if (!known.fields.has(key)) problems.push({ path: `fields[${i}]`, message: `unknown field "${key}"` });
    if (sent.has(key)) problems.push({ path: `fields[${i}]`, message: `field "${key}" is listed twice` });
    sent.add(key);
  });
  const excluded = new Set<string>();
  listOf(flow.excludedFields).forEach((key, i) => {
    const path = `excludedFields[${i}]`;
    if (!known.fields.has(key)) problems.push({ path, message: `unknown field "${key}"` });
    if (excluded.has(key)) problems.push({ path, message: `field "${key}" is listed twice` });
    if (sent.has(key)) {
      problems.push({
        path,
        message: `field "${key}" is also in fields: a field cannot be both sent and excluded`,
      });
    }
    excluded.add(key);
  });
  return problems;
}

/**
 * Every problem in a manifest, with paths into the file. `existing` are keys already
 * stored that the manifest may reference without listing (an import without prune).
 */
export function checkManifest(manifest: Manifest, existing?: KnownKeys): Problem[] {
  const problems: Problem[] = [];
  const keysOf = (kind: 'fields' | 'purposes' | 'subprocessors'): Set<string> => {
    const seen = new Map<string, number>();
    listOf<{ key?: unknown }>(manifest[kind]).forEach((entry: { key?: unknown }, i) => {
      if (typeof entry?.key !== 'string') return;
      const first = seen.get(entry.key);
      if (first !== undefined) {
        problems.push({
          path: `${kind}[${i}].key`,
          message: `duplicate key "${entry.key}" (also ${kind}[${first}])`,
        });
      } else {
        seen.set(entry.key, i);
      }
    });
    return new Set([...seen.keys(), ...(existing?.[kind] ?? [])]);
  };
  const known: KnownKeys = {
    fields: keysOf('fields'),
    purposes: keysOf('purposes'),
    subprocessors: keysOf('subprocessors'),
  };
  listOf(manifest.subprocessors).forEach((s: ManifestSubprocessor, i) => {
    if (typeof s !== 'object' || s === null) return;
    listOf(s.transfers).forEach((t: ManifestTransfer, j) => {
      if (typeof t?.to !== 'string') return;
      const path = `subprocessors[${i}].transfers[${j}].to`;
      if (t.to === s.key) problems.push({ path, message: 'a subprocessor cannot transfer to itself' });
      else if (!known.subprocessors.has(t.to)) problems.push({ path, message: `unknown subprocessor "${t.to}"` });
    });
  });
  const flows = new Map<string, number>();
  problems.push(...checkEndpoints(manifest, known.purposes));
  listOf(manifest.flows).forEach((flow: ManifestFlow, i) => {
    if (typeof flow !== 'object' || flow === null) return;
    const key = flowKeyOf(flow.subprocessor, flow.purpose);
    const first = flows.get(key);
    if (first !== undefined) {
      problems.push({
        path: `flows[${i}]`,
        message: `duplicate flow for subprocessor "${flow.subprocessor}" and purpose "${flow.purpose}" (also flows[${first}])`,
      });
    } else {
      flows.set(key, i);
    }
    for (const p of checkFlow(flow, known)) problems.push({ path: `flows[${i}].${p.path}`, message: p.message });
  });
  return problems;
}

/**
 * Subprocessor endpoints: each purpose named is a known purpose, and no host and path
 * prefix belongs to two subprocessors (the egress guard must know where a request goes).
 */
export function checkEndpoints(manifest: Manifest, purposes: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  listOf(manifest.subprocessors).forEach((s, i) => {
    if (typeof s !== 'object' || s === null) return;
    listOf(s.endpoints).forEach((e, j) => {
      if (typeof e !== 'object' || e === null || typeof e.host !== 'string') return;
      const at = `subprocessors[${i}].endpoints[${j}]`;
      if (e.purpose !== undefined && !purposes.has(e.purpose)) {
        problems.push({ path: `${at}.purpose`, message: `unknown purpose "${e.purpose}"` });
      }
      const where = `${e.host}${(e.path ?? '').replace(/\/+$/, '')}`;
      const owner = owners.get(where);
      if (owner !== undefined) problems.push({ path: at, message: `${where} is already an endpoint of ${owner}` });
      else owners.set(where, `${s.key} (subprocessors[${i}].endpoints[${j}])`);
    });
  });
  return problems;
}

/**
 * Rules run on documents that may also have failed structural validation (so that one
 * answer lists every problem): anything that is not an array counts as empty here.
 */
function listOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

import { flowKeyOf } from '@flowgate/core';
import type { ManifestDiff } from '../data-map/manifest/manifest.diff';
import { listedLocations, organizationOf, sentFields, type Manifest } from '../data-map/manifest/manifest.types';
import type { ScheduledChange } from './change-notice.entity';

export interface NoticeDraft {
  kinds: string[];
  changes: string[];
  scheduled: ScheduledChange[];
}

/**
 * What a map change must announce (GDPR Art. 28(2)): a subprocessor added or replaced, a
 * field added to a flow (a new flow, or one that sends more), or a changed location.
 * Returns null when the change announces nothing (a rename, a removal, a narrower flow).
 * The first publication of a map (from an empty one) is not a change of it.
 */
export function draftNotice(before: Manifest, after: Manifest, diff: ManifestDiff): NoticeDraft | null {
  if (before.subprocessors.length === 0 && before.flows.length === 0) return null;
  const vendorName = new Map([...before.subprocessors, ...after.subprocessors].map((s) => [s.key, s.name]));
  const fieldName = new Map(after.fields.map((f) => [f.key, f.name]));
  const purposeName = new Map(after.purposes.map((p) => [p.key, p.name]));
  const names = (keys: string[]) => (keys.length === 0 ? 'no personal data' : keys.map((k) => fieldName.get(k) ?? k).join(', '));
  const kinds = new Set<string>();
  const changes: string[] = [];
  const scheduled: ScheduledChange[] = [];

  const added = new Set(diff.subprocessors.added);
  const removed = diff.subprocessors.removed;
  for (const key of diff.subprocessors.added) {
    const replacing = removed.length > 0;
    kinds.add(replacing ? 'replaced-subprocessor' : 'added-subprocessor');
    const old = removed.map((k) => vendorName.get(k) ?? k).join(', ');
    changes.push(replacing ? `${vendorName.get(key)} replaces ${old} as a subprocessor.` : `${vendorName.get(key)} is added as a subprocessor.`);
  }
  const afterFlows = new Map(after.flows.map((f) => [flowKeyOf(f.subprocessor, f.purpose), f]));
  const beforeFlows = new Map(before.flows.map((f) => [flowKeyOf(f.subprocessor, f.purpose), f]));
  for (const key of diff.flows.added) {
    const flow = afterFlows.get(key)!;
    const fields = sentFields(flow);
    const purpose = purposeName.get(flow.purpose) ?? flow.purpose;
    if (!added.has(flow.subprocessor)) kinds.add('added-field');
    changes.push(`${vendorName.get(flow.subprocessor)} receives ${names(fields)} for ${purpose}.`);
    scheduled.push({ flowKey: key, newFlow: true, fields });
  }
  for (const { key, properties } of diff.flows.changed) {
    if (!properties.includes('fields')) continue;
    const flow = afterFlows.get(key)!;
    const was = new Set(sentFields(beforeFlows.get(key)!));
    const fields = sentFields(flow).filter((f) => !was.has(f));
    if (fields.length === 0) continue;
    kinds.add('added-field');
    changes.push(`${vendorName.get(flow.subprocessor)} now also receives ${names(fields)} for ${purposeName.get(flow.purpose) ?? flow.purpose}.`);
    scheduled.push({ flowKey: key, newFlow: false, fields });
  }
  const beforeSubs = new Map(before.subprocessors.map((s) => [s.key, s]));
  for (const { key, properties } of diff.subprocessors.changed) {
    if (!properties.includes('locations')) continue;
    const now = after.subprocessors.find((s) => s.key === key)!;
    const place = (locations: string[]) => (locations.length > 0 ? locations.join(', ') : 'a location not stated');
    kinds.add('changed-location');
    changes.push(`${now.name} now processes data in ${place(listedLocations(now))} (before: ${place(listedLocations(beforeSubs.get(key)!))}).`);
  }
  if (changes.length === 0) return null;
  return { kinds: [...kinds], changes, scheduled };
}

/** How to object before the effective date, in the organisation's terms. */
export function objectionText(manifest: Manifest, effectiveAt: number): string {
  const org = organizationOf(manifest);
  const day = new Date(effectiveAt).toISOString().slice(0, 10);
  return org?.objectionContact
    ? `To object, contact ${org.objectionContact} before ${day}.`
    : `To object, contact ${org?.name ?? 'us'} before ${day}.`;
}

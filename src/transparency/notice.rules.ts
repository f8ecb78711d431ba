import { flowKeyOf } from '@flowgate/core';
import type { ManifestDiff } from '../data-map/manifest/manifest.diff';
import { listedLocations, organizationOf, sentFields, type Manifest } from '../data-map/manifest/manifest.types';
import type { ScheduledChange } from './change-notice.entity';
import { PAGE_MESSAGES } from './page-messages';
import type { NoticeFact } from './notice.types';

export interface NoticeDraft {
  kinds: string[];
  /** What changed, in the map's names: each page language writes its own sentence from it. */
  facts: NoticeFact[];
  /** The English sentences (what the admin API and the webhooks carry). */
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
  const names = (keys: string[]) => keys.map((k) => fieldName.get(k) ?? k);
  const vendor = (key: string) => vendorName.get(key) ?? key;
  const kinds = new Set<string>();
  const facts: NoticeFact[] = [];
  const scheduled: ScheduledChange[] = [];

  const added = new Set(diff.subprocessors.added);
  const removed = diff.subprocessors.removed;
  for (const key of diff.subprocessors.added) {
    const replacing = removed.length > 0;
    kinds.add(replacing ? 'replaced-subprocessor' : 'added-subprocessor');
    facts.push(
      replacing
        ? { kind: 'subprocessor-replaced', vendor: vendor(key), replaces: removed.map(vendor) }
        : { kind: 'subprocessor-added', vendor: vendor(key) },
    );
  }
  const afterFlows = new Map(after.flows.map((f) => [flowKeyOf(f.subprocessor, f.purpose), f]));
  const beforeFlows = new Map(before.flows.map((f) => [flowKeyOf(f.subprocessor, f.purpose), f]));
  for (const key of diff.flows.added) {
    const flow = afterFlows.get(key)!;
    const fields = sentFields(flow);
    const purpose = purposeName.get(flow.purpose) ?? flow.purpose;
    if (!added.has(flow.subprocessor)) kinds.add('added-field');
    facts.push({ kind: 'flow-added', vendor: vendor(flow.subprocessor), purpose, fields: names(fields) });
    scheduled.push({ flowKey: key, newFlow: true, fields });
  }
  for (const { key, properties } of diff.flows.changed) {
    if (!properties.includes('fields')) continue;
    const flow = afterFlows.get(key)!;
    const was = new Set(sentFields(beforeFlows.get(key)!));
    const fields = sentFields(flow).filter((f) => !was.has(f));
    if (fields.length === 0) continue;
    kinds.add('added-field');
    facts.push({ kind: 'fields-added', vendor: vendor(flow.subprocessor), purpose: purposeName.get(flow.purpose) ?? flow.purpose, fields: names(fields) });
    scheduled.push({ flowKey: key, newFlow: false, fields });
  }
  const beforeSubs = new Map(before.subprocessors.map((s) => [s.key, s]));
  for (const { key, properties } of diff.subprocessors.changed) {
    if (!properties.includes('locations')) continue;
    const now = after.subprocessors.find((s) => s.key === key)!;
    kinds.add('changed-location');
    facts.push({ kind: 'location-changed', vendor: now.name, locations: listedLocations(now), before: listedLocations(beforeSubs.get(key)!) });
  }
  if (facts.length === 0) return null;
  return { kinds: [...kinds], facts, changes: facts.map((f) => PAGE_MESSAGES.en.change(f)), scheduled };
}

/** How to object before the effective date, in the organisation's terms. */
export function objectionText(manifest: Manifest, effectiveAt: number): string {
  const org = organizationOf(manifest);
  const day = new Date(effectiveAt).toISOString().slice(0, 10);
  return org?.objectionContact
    ? `To object, contact ${org.objectionContact} before ${day}.`
    : `To object, contact ${org?.name ?? 'us'} before ${day}.`;
}

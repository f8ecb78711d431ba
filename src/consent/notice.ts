import { createHash } from 'node:crypto';
import type { StoredMap } from '../data-map/data-map.store';
import { NOT_STATED, regionOf } from '@flowgate/core';
import { listedLocations, type ManifestFlow } from '../data-map/manifest/manifest.types';

/**
 * The notice a user is shown for a flow at its current version: who receives what, where,
 * why, on what footing. Consent events keep its SHA-256, and `consent_notice` the text,
 * so what a user agreed to can be shown word for word later.
 */
export function noticeText(map: StoredMap, flow: ManifestFlow, version: number): string {
  const m = map.manifest;
  const vendor = m.subprocessors.find((s) => s.key === flow.subprocessor);
  const purpose = m.purposes.find((p) => p.key === flow.purpose);
  const names = (keys: readonly string[]) => keys.map((k) => m.fields.find((f) => f.key === k)?.name ?? k);
  const where = vendor
    ? `${listedLocations(vendor).join(', ') || 'unstated locations'} (${regionOf(vendor.locations) === 'eea' ? 'EU/EEA' : 'outside the EU/EEA'})`
    : 'unstated locations';
  const parts = [
    `${vendor?.name ?? flow.subprocessor}${vendor?.url ? ` (${vendor.url})` : ''}, processing in ${where},`,
    flow.fields === NOT_STATED
      ? `receives data the company has not stated`
      : `receives ${list(names(flow.fields)) || 'no personal data'}`,
    `for ${purpose?.name ?? flow.purpose}.`,
  ];
  const excluded = flow.excludedFields ?? [];
  const tail = [
    excluded.length > 0 ? `It does not receive ${list(names(excluded))}.` : '',
    `${MODE_TEXT[flow.mode]} Legal basis: ${flow.legalBasis}. Flow ${flow.subprocessor}.${flow.purpose}, version ${version}.`,
  ];
  return [...parts, ...tail].filter(Boolean).join(' ');
}

const MODE_TEXT = {
  required: 'This is needed to provide the service and cannot be turned off.',
  'opt-out': 'This is on unless you turn it off.',
  'opt-in': 'This is off unless you turn it on.',
} as const;

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

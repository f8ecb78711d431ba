import type { Problem } from '../../common/domain-error';
import { NOT_STATED, flowKeyOf, regionOf } from '@flowgate/core';
import { organizationOf, type Manifest } from './manifest.types';

/**
 * What the map does not state. `not-stated`: the file says so explicitly (legal basis,
 * locations, data categories); `missing`: an optional fact left out (legal entity,
 * address, transfer mechanism of a third-country vendor, audiences, the organisation's
 * own details). Neither is an error: a published list is often silent, and inventing a
 * fact is worse than marking it. The report lists each gap once, with its path.
 */
export interface CompletenessGap {
  path: string;
  kind: 'not-stated' | 'missing';
  /** What the gap is about: `organization`, a subprocessor key, or a flow key. */
  subject: string;
  message: string;
}

export interface CompletenessReport {
  /** Facts asked about and how many are stated. */
  checked: number;
  stated: number;
  gaps: CompletenessGap[];
}

const ORGANIZATION_FACTS = [
  ['legalName', 'legal name'],
  ['address', 'address'],
  ['privacyPolicyUrl', 'privacy policy URL'],
  ['dpaUrl', 'DPA URL'],
  ['objectionContact', 'contact for objections to a new subprocessor'],
] as const;

export function completenessReport(manifest: Manifest): CompletenessReport {
  const gaps: CompletenessGap[] = [];
  let checked = 0;
  const ask = (stated: boolean, gap: CompletenessGap) => {
    checked += 1;
    if (!stated) gaps.push(gap);
  };
  const org = organizationOf(manifest);
  ask(org !== undefined, { path: 'organization', kind: 'missing', subject: 'organization', message: 'the organisation block is not stated' });
  if (org) {
    for (const [key, what] of ORGANIZATION_FACTS) {
      ask(Boolean(org[key]), { path: `organization.${key}`, kind: 'missing', subject: 'organization', message: `the company's ${what} is not stated` });
    }
    ask(Boolean(org.page?.date), { path: 'organization.page.date', kind: 'missing', subject: 'organization', message: 'the date of the published list is not stated' });
  }
  manifest.subprocessors.forEach((s, i) => {
    const at = `subprocessors[${i}]`;
    ask(s.locations !== NOT_STATED && s.locations.length > 0, {
      path: `${at}.locations`, kind: 'not-stated', subject: s.key,
      message: `where ${s.name} processes data is not stated`,
    });
    ask(Boolean(s.legalEntity), { path: `${at}.legalEntity`, kind: 'missing', subject: s.key, message: `${s.name}'s legal entity is not stated` });
    ask(Boolean(s.address), { path: `${at}.address`, kind: 'missing', subject: s.key, message: `${s.name}'s legal address is not stated` });
    if (regionOf(s.locations) === 'third-country') {
      ask(s.transferMechanism !== undefined && s.transferMechanism !== 'unknown', {
        path: `${at}.transferMechanism`, kind: s.transferMechanism === 'unknown' ? 'not-stated' : 'missing', subject: s.key,
        message: `how the transfer to ${s.name} (outside the EU/EEA, or location not stated) is made lawful is not stated`,
      });
    }
  });
  manifest.flows.forEach((f, i) => {
    const at = `flows[${i}]`;
    const key = flowKeyOf(f.subprocessor, f.purpose);
    ask(f.legalBasis !== NOT_STATED, { path: `${at}.legalBasis`, kind: 'not-stated', subject: key, message: `the legal basis of ${key} is not stated` });
    ask(f.fields !== NOT_STATED, { path: `${at}.fields`, kind: 'not-stated', subject: key, message: `what ${key} sends (its data categories) is not stated` });
    ask(Boolean(f.audiences?.length), { path: `${at}.audiences`, kind: 'missing', subject: key, message: `whom the data of ${key} is about (its audiences) is not stated` });
  });
  return { checked, stated: checked - gaps.length, gaps };
}

/** Validation warnings: the explicit `not-stated` values, which a reader of the map must not take as "none". */
export function notStatedWarnings(manifest: Manifest): Problem[] {
  return completenessReport(manifest)
    .gaps.filter((g) => g.kind === 'not-stated')
    .map((g) => ({ path: g.path, message: `${g.message} (not-stated)` }));
}

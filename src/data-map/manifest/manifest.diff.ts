import { AUDIENCES, NOT_STATED, flowKeyOf } from '@flowgate/core';
import {
  organizationOf,
  type Manifest,
  type ManifestField,
  type ManifestFlow,
  type ManifestOrganization,
  type ManifestPurpose,
  type ManifestSubprocessor,
} from './manifest.types';

/**
 * Canonical form of a data map: optional properties absent rather than null or empty,
 * a flow's field lists sorted (they are sets), every list sorted by key. Two maps that
 * mean the same thing normalize to equal documents; export writes this form.
 */
export function normalizeManifest(manifest: Manifest): Manifest {
  const byKey = <T extends { key: string }>(a: T, b: T) => compare(a.key, b.key);
  const organization = normalizeOrganization(organizationOf(manifest));
  const normalized: Manifest = {
    version: 2,
    ...(organization ? { organization } : {}),
    fields: manifest.fields.map(normalizeField).sort(byKey),
    purposes: manifest.purposes.map(normalizePurpose).sort(byKey),
    subprocessors: manifest.subprocessors.map(normalizeSubprocessor).sort(byKey),
    flows: manifest.flows
      .map(normalizeFlow)
      .sort((a, b) => compare(flowKeyOf(a.subprocessor, a.purpose), flowKeyOf(b.subprocessor, b.purpose))),
  };
  return normalized;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps only the properties with a value: `null`, `undefined` and `''` mean "not given". */
function present<T extends object>(entry: T): T {
  return Object.fromEntries(
    Object.entries(entry).filter(([, v]) => v !== null && v !== undefined && v !== ''),
  ) as T;
}

/** The organisation block without empty parts; `undefined` when it has no name. */
export function normalizeOrganization(o: ManifestOrganization | undefined): ManifestOrganization | undefined {
  if (!o?.name) return undefined;
  const roles = o.roles ? present({ ...o.roles }) : undefined;
  const page = o.page ? present({ date: o.page.date, grouping: o.page.grouping, intro: o.page.intro }) : undefined;
  return present({
    name: o.name,
    legalName: o.legalName,
    address: o.address,
    privacyPolicyUrl: o.privacyPolicyUrl,
    dpaUrl: o.dpaUrl,
    objectionContact: o.objectionContact,
    roles: roles && Object.keys(roles).length > 0 ? roles : undefined,
    page: page && Object.keys(page).length > 0 ? page : undefined,
  });
}

export function normalizeField(f: ManifestField): ManifestField {
  return present({
    key: f.key,
    name: f.name,
    sensitivity: f.sensitivity,
    paths: [...f.paths],
    description: f.description,
  });
}

export function normalizePurpose(p: ManifestPurpose): ManifestPurpose {
  return present({ key: p.key, name: p.name, description: p.description, descriptions: sortedTranslations(p.descriptions) });
}

/** Translations with their languages in order, or undefined when there are none. */
function sortedTranslations(t: Record<string, string> | undefined): Record<string, string> | undefined {
  const entries = Object.entries(t ?? {}).filter(([, v]) => v !== '');
  return entries.length > 0 ? Object.fromEntries(entries.sort(([a], [b]) => compare(a, b))) : undefined;
}

export function normalizeSubprocessor(s: ManifestSubprocessor): ManifestSubprocessor {
  return present({
    key: s.key,
    name: s.name,
    url: s.url,
    legalEntity: s.legalEntity,
    address: s.address,
    parent: s.parent,
    // Version 1 wrote "not stated" as an empty list; the canonical form says it.
    locations: s.locations === NOT_STATED || s.locations.length === 0 ? NOT_STATED : [...s.locations],
    category: s.category,
    transferMechanism: s.transferMechanism,
    transfers:
      s.transfers && s.transfers.length > 0
        ? s.transfers
            .map((t) => present({ to: t.to, description: t.description }))
            .sort((a, b) => compare(a.to, b.to))
        : undefined,
    description: s.description,
    endpoints: s.endpoints === undefined || s.endpoints.length === 0 ? undefined : s.endpoints.map((e) => present({ host: e.host, path: e.path, purpose: e.purpose })),
  });
}

export function normalizeFlow(f: ManifestFlow): ManifestFlow {
  const excluded = [...new Set(f.excludedFields ?? [])].sort(compare);
  return present({
    subprocessor: f.subprocessor,
    purpose: f.purpose,
    mode: f.mode,
    legalBasis: f.legalBasis,
    fields: f.fields === NOT_STATED ? NOT_STATED : [...new Set(f.fields)].sort(compare),
    excludedFields: excluded.length > 0 ? excluded : undefined,
    audiences:
      f.audiences && f.audiences.length > 0
        ? AUDIENCES.filter((a) => f.audiences!.includes(a))
        : undefined,
    activation: f.activation,
    feature: f.feature,
    description: f.description,
    descriptions: sortedTranslations(f.descriptions),
  });
}

export interface KindDiff {
  added: string[];
  changed: Array<{ key: string; properties: string[] }>;
  removed: string[];
}

export interface ManifestDiff {
  fields: KindDiff;
  purposes: KindDiff;
  subprocessors: KindDiff;
  flows: KindDiff;
}

export function isEmptyDiff(diff: ManifestDiff): boolean {
  return Object.values(diff).every(
    (d: KindDiff) => d.added.length + d.changed.length + d.removed.length === 0,
  );
}

/** What turns `before` into `after`, per kind, by key; `after` is the whole next map. */
export function diffManifests(before: Manifest, after: Manifest): ManifestDiff {
  const flowKeyed = (m: Manifest) =>
    m.flows.map((f) => ({ ...normalizeFlow(f), key: flowKeyOf(f.subprocessor, f.purpose) }));
  return {
    fields: diffKind(before.fields.map(normalizeField), after.fields.map(normalizeField)),
    purposes: diffKind(before.purposes.map(normalizePurpose), after.purposes.map(normalizePurpose)),
    subprocessors: diffKind(
      before.subprocessors.map(normalizeSubprocessor),
      after.subprocessors.map(normalizeSubprocessor),
    ),
    flows: diffKind(flowKeyed(before), flowKeyed(after)),
  };
}

function diffKind<T extends { key: string }>(before: T[], after: T[]): KindDiff {
  const old = new Map(before.map((e) => [e.key, e]));
  const next = new Map(after.map((e) => [e.key, e]));
  const diff: KindDiff = { added: [], changed: [], removed: [] };
  for (const [key, entry] of next) {
    const previous = old.get(key);
    if (!previous) {
      diff.added.push(key);
      continue;
    }
    const properties = [...new Set([...Object.keys(previous), ...Object.keys(entry)])].filter(
      (p) =>
        JSON.stringify((previous as Record<string, unknown>)[p]) !==
        JSON.stringify((entry as Record<string, unknown>)[p]),
    );
    if (properties.length > 0) diff.changed.push({ key, properties: properties.sort(compare) });
  }
  for (const key of old.keys()) if (!next.has(key)) diff.removed.push(key);
  diff.added.sort(compare);
  diff.removed.sort(compare);
  diff.changed.sort((a, b) => compare(a.key, b.key));
  return diff;
}

/**
 * The map after importing `file` into `current`: entries in the file replace the stored
 * ones with the same key; with `prune`, what the file does not list is removed.
 */
export function mergeManifest(current: Manifest, file: Manifest, prune: boolean): Manifest {
  if (prune) return file;
  const merge = <T>(stored: T[], incoming: T[], keyOf: (e: T) => string): T[] => {
    const out = new Map(stored.map((e) => [keyOf(e), e]));
    for (const e of incoming) out.set(keyOf(e), e);
    return [...out.values()];
  };
  const key = (e: { key: string }) => e.key;
  return {
    version: 2,
    organization: file.organization ?? current.organization,
    fields: merge(current.fields, file.fields, key),
    purposes: merge(current.purposes, file.purposes, key),
    subprocessors: merge(current.subprocessors, file.subprocessors, key),
    flows: merge(current.flows, file.flows, (f) => flowKeyOf(f.subprocessor, f.purpose)),
  };
}

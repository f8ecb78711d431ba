import {
  NOT_STATED,
  flowKeyOf,
  regionOf,
  type Audience,
  type ConsentMode,
  type DataRole,
  type LegalBasis,
  type NotStated,
  type Region,
  type SubprocessorCategory,
  type TransferMechanism,
} from '@flowgate/core';
import {
  organizationOf,
  type Manifest,
  type ManifestField,
  type PageGrouping,
} from '../data-map/manifest/manifest.types';
import type { PageNotice, PublishedNotice } from './notice.types';
import { DEFAULT_PAGE_LANGUAGE, PAGE_MESSAGES, type PageLanguage, type PageMessages } from './page-messages';

/**
 * The public subprocessor page as data: what `/subprocessors.json` serves and what the
 * HTML, Markdown and Atom renderings are made from. A projection of the map alone, so
 * the published list is the enforced one.
 */
export interface SubprocessorPage {
  /** The language of the page's wording (`en`, `de`, `fr`); what the map states is as stated. */
  language: PageLanguage;
  /** The map version the page was generated from. */
  mapVersion: number;
  organization: {
    name: string;
    legalName?: string;
    address?: string;
    privacyPolicyUrl?: string;
    dpaUrl?: string;
    objectionContact?: string;
    roles?: Partial<Record<Audience, DataRole>>;
  };
  /** `page.date` from the map, else the date of the map's last change (`YYYY-MM-DD`), else null. */
  date: string | null;
  intro?: string;
  grouping: PageGrouping;
  groups: PageGroup[];
  subprocessors: PageSubprocessor[];
  /** Change notices, newest first (what changed, when, when it takes effect, how to object). */
  notices: PageNotice[];
}

export interface PageGroup {
  key: string;
  title: string;
  description: string;
  /** Subprocessor keys, in page order. */
  subprocessors: string[];
}

export interface PageSubprocessor {
  key: string;
  name: string;
  url?: string;
  legalEntity?: string;
  address?: string;
  parent?: string;
  category: SubprocessorCategory;
  locations: string[] | NotStated;
  /** Where, in words: `Netherlands`, `EU`, `worldwide`, or "not stated by <company>". */
  locationText: string;
  region: Region;
  transferMechanism?: TransferMechanism;
  description?: string;
  /** `core-infrastructure` (category infrastructure) or `other`: the "role" grouping. */
  role: 'core-infrastructure' | 'other';
  /** Whether any purpose sends it personal (or special-category) data: the "access" grouping. */
  hasAccessToPersonalData: boolean;
  /** Names of every field sent, over all purposes; `[]`: none; `not-stated` when any purpose does not say. */
  dataShared: string[] | NotStated;
  purposes: PagePurpose[];
  transfers: Array<{ to: string; name: string; description?: string }>;
}

export interface PagePurpose {
  key: string;
  name: string;
  description?: string;
  mode: ConsentMode;
  legalBasis: LegalBasis;
  activation?: 'feature';
  feature?: string;
  audiences?: Audience[];
  /** Field names it receives; `[]`: none; `not-stated`: the company does not say. */
  receives: string[] | NotStated;
  /** Field names it explicitly does not receive. */
  doesNotReceive: string[];
  /** The opt-out / opt-in / feature note users read; null for a required flow. */
  note: string | null;
}

/** The group titles and descriptions of each grouping, in English (see `page-messages.ts` for the others). */
export const GROUP_TEXT = PAGE_MESSAGES.en.groups;

const GROUP_ORDER: Record<PageGrouping, string[]> = {
  region: ['eea', 'third-country'],
  role: ['core-infrastructure', 'other'],
  access: ['with-access', 'without-access'],
  'data-shared': ['shared', 'none'],
};

const regionNames = new Map<PageLanguage, Intl.DisplayNames>();
const countryName = new Map<string, string>();

/**
 * `NL` → `Netherlands` (`Niederlande`, `Pays-Bas`); `EU`, `EEA` and region values in the
 * page's words (`worldwide`, `asia-pacific` → `asia pacific`, `weltweit`, …).
 */
export function locationName(code: string, language: PageLanguage = DEFAULT_PAGE_LANGUAGE): string {
  const cacheKey = `${language}:${code}`;
  let name = countryName.get(cacheKey);
  if (name === undefined) {
    const words = PAGE_MESSAGES[language].location as Record<string, string | undefined>;
    if (words[code] !== undefined) name = words[code];
    else if (/^[A-Z]{2}$/.test(code)) {
      let names = regionNames.get(language);
      if (names === undefined) regionNames.set(language, (names = new Intl.DisplayNames([language], { type: 'region' })));
      name = names.of(code) ?? code;
    } else name = code.replace(/-/g, ' ');
    countryName.set(cacheKey, name);
  }
  return name;
}

export interface PageInput {
  mapVersion: number;
  updatedAt: Date | null;
  /** Stored notices; `facts` (when stored) give their sentences in the page's language. */
  notices?: Array<PageNotice & Partial<Pick<PublishedNotice, 'facts'>>>;
  /** The language of the page's wording; English by default. */
  language?: PageLanguage;
}

export function buildSubprocessorPage(manifest: Manifest, input: PageInput): SubprocessorPage {
  const org = organizationOf(manifest) ?? { name: 'This service' };
  const language = input.language ?? DEFAULT_PAGE_LANGUAGE;
  const t = PAGE_MESSAGES[language];
  /** A text of the map that may carry translations: the page's language, else the default text. */
  const localized = (text: string | undefined, translations: Record<string, string> | undefined) =>
    (language === DEFAULT_PAGE_LANGUAGE ? undefined : translations?.[language]) ?? text;
  const fields = new Map<string, ManifestField>(manifest.fields.map((f) => [f.key, f]));
  const purposes = new Map(manifest.purposes.map((p) => [p.key, p]));
  const names = new Map(manifest.subprocessors.map((s) => [s.key, s.name]));
  const flowsBy = new Map<string, Manifest['flows']>();
  for (const flow of manifest.flows) {
    const list = flowsBy.get(flow.subprocessor);
    if (list) list.push(flow);
    else flowsBy.set(flow.subprocessor, [flow]);
  }
  const fieldName = (key: string) => fields.get(key)?.name ?? key;
  /** Per field key: its name and whether it is personal data that names someone (one lookup per sent field). */
  const sentInfo = new Map<string, { name: string; personal: boolean }>(
    manifest.fields.map((f) => [f.key, { name: f.name, personal: f.sensitivity === 'personal' || f.sensitivity === 'special' }]),
  );
  const grouping = org.page?.grouping ?? 'region';

  const subprocessors: PageSubprocessor[] = manifest.subprocessors.map((s) => {
    const own = flowsBy.get(s.key) ?? [];
    let access = false;
    let notStated = false;
    const shared = new Set<string>();
    const pagePurposes: PagePurpose[] = own.map((f) => {
      const purpose = purposes.get(f.purpose);
      let receives: string[] | NotStated = NOT_STATED;
      if (f.fields === NOT_STATED) notStated = true;
      else {
        receives = new Array<string>(f.fields.length);
        for (let i = 0; i < f.fields.length; i++) {
          const info = sentInfo.get(f.fields[i]);
          const name = info?.name ?? f.fields[i];
          receives[i] = name;
          shared.add(name);
          if (info?.personal) access = true;
        }
      }
      return {
        key: flowKeyOf(f.subprocessor, f.purpose),
        name: purpose?.name ?? f.purpose,
        ...(f.description || purpose?.description
          ? {
              description: f.description
                ? localized(f.description, f.descriptions)
                : localized(purpose?.description, purpose?.descriptions),
            }
          : {}),
        mode: f.mode,
        legalBasis: f.legalBasis,
        ...(f.activation ? { activation: f.activation, feature: f.feature } : {}),
        ...(f.audiences ? { audiences: f.audiences } : {}),
        receives,
        doesNotReceive: (f.excludedFields ?? []).map(fieldName),
        note: noteOf(t, s.name, f.mode, f.activation === 'feature' ? f.feature : undefined),
      };
    });
    const locations = s.locations;
    return {
      key: s.key,
      name: s.name,
      ...(s.url ? { url: s.url } : {}),
      ...(s.legalEntity ? { legalEntity: s.legalEntity } : {}),
      ...(s.address ? { address: s.address } : {}),
      ...(s.parent ? { parent: s.parent } : {}),
      category: s.category,
      locations,
      locationText:
        locations === NOT_STATED || locations.length === 0
          ? t.notStatedBy(org.name)
          : locations.map((code) => locationName(code, language)).join(', '),
      region: regionOf(locations),
      ...(s.transferMechanism ? { transferMechanism: s.transferMechanism } : {}),
      ...(s.description ? { description: s.description } : {}),
      role: s.category === 'infrastructure' ? 'core-infrastructure' : 'other',
      hasAccessToPersonalData: access,
      dataShared: notStated && shared.size === 0 ? NOT_STATED : [...shared],
      purposes: pagePurposes,
      transfers: (s.transfers ?? []).map((t) => ({
        to: t.to,
        name: names.get(t.to) ?? t.to,
        ...(t.description ? { description: t.description } : {}),
      })),
    };
  });

  const groupOf = (s: PageSubprocessor): string => {
    switch (grouping) {
      case 'region':
        return s.region;
      case 'role':
        return s.role;
      case 'access':
        return s.hasAccessToPersonalData ? 'with-access' : 'without-access';
      case 'data-shared':
        return s.dataShared !== NOT_STATED && s.dataShared.length === 0 ? 'none' : 'shared';
    }
  };
  const members = new Map<string, string[]>(GROUP_ORDER[grouping].map((g) => [g, []]));
  for (const s of subprocessors) members.get(groupOf(s))!.push(s.key);
  const groups = GROUP_ORDER[grouping]
    .filter((key) => members.get(key)!.length > 0)
    .map((key) => ({ key, ...t.groups[grouping][key], subprocessors: members.get(key)! }));

  const { name, legalName, address, privacyPolicyUrl, dpaUrl, objectionContact, roles } = org;
  const contact = org.objectionContact ?? org.name;
  const notices = (input.notices ?? []).map(({ facts, ...n }): PageNotice => {
    if (language === DEFAULT_PAGE_LANGUAGE) return n;
    const objection = t.objection(contact, n.effectiveDate.slice(0, 10));
    // Notices stored before their facts keep the English sentences they were published with.
    return facts ? { ...n, changes: facts.map((f) => t.change(f)), objection } : { ...n, changesLanguage: 'en', objection };
  });
  return {
    language,
    mapVersion: input.mapVersion,
    organization: strip({ name, legalName, address, privacyPolicyUrl, dpaUrl, objectionContact, roles }),
    date: org.page?.date ?? (input.updatedAt ? input.updatedAt.toISOString().slice(0, 10) : null),
    ...(org.page?.intro ? { intro: org.page.intro } : {}),
    grouping,
    groups,
    subprocessors,
    notices,
  };
}

/** What a user reads about their choice, in the terms of the published lists. */
function noteOf(t: PageMessages, vendor: string, mode: ConsentMode, feature: string | undefined): string | null {
  if (feature) return t.noteFeature(feature);
  if (mode === 'opt-out') return t.noteOptOut(vendor);
  if (mode === 'opt-in') return t.noteOptIn(vendor);
  return null;
}

function strip<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

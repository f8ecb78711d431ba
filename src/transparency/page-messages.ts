import Negotiator from 'negotiator';
import type { Audience, DataRole, LegalBasis, RegionLocation, TransferMechanism } from '@flowgate/core';
import type { PageGrouping } from '../data-map/manifest/manifest.types';
import type { NoticeFact } from './notice.types';

/**
 * The fixed wording of the public subprocessor page (HTML, Markdown, the words in its JSON
 * and Atom feed) in the languages the preference centre has (`client/src/preferences/
 * messages.ts`: en, de, fr). English is the source; the type makes German and French give
 * every text. What the map states (vendor names, entities, addresses, the intro, purpose
 * names) is shown as stated; purpose and flow descriptions use the map's translations.
 */
export const PAGE_LANGUAGES = ['en', 'de', 'fr'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];
export const DEFAULT_PAGE_LANGUAGE: PageLanguage = 'en';

export interface PageMessages {
  title(org: string): string;
  lastUpdated: string;
  listVersion: string;
  legalName: string;
  address: string;
  privacyPolicy: string;
  dpa: string;
  objectTo: string;
  ourRole: string;
  /** `Caplena is processor for customers; controller for end users`. */
  roles(org: string, parts: string[]): string;
  roleFor(role: DataRole, audience: Audience): string;
  noticesHeading: string;
  /** `Notice of <date>: effective <date>` (the dates are given as HTML or text). */
  noticeOf(noticeDate: string, effectiveDate: string): string;
  effectiveAtOnce: string;
  emergencyOverride: string;
  groupsNav: string;
  groups: Record<PageGrouping, Record<string, { title: string; description: string }>>;
  generated: string;
  followChanges: string;
  atomFeed: string;
  feedLinkTitle: string;
  processingLocation: string;
  legalEntity: string;
  legalAddress: string;
  partOf: string;
  transferSafeguard: string;
  transfer: Record<TransferMechanism, string>;
  dataShared: string;
  none: string;
  passesOn: string;
  hasAccess: string;
  noAccess: string;
  legalBasis: string;
  basis: Record<Exclude<LegalBasis, 'not-stated'>, string>;
  about: string;
  audience: Record<Audience, string>;
  notStatedBy(org: string): string;
  noteOptOut(vendor: string): string;
  noteOptIn(vendor: string): string;
  noteFeature(feature: string): string;
  objection(contact: string, day: string): string;
  /** The locations that are not countries (`EU`, `EEA`, `worldwide`, …). */
  location: Record<'EU' | RegionLocation, string>;
  feedTitle(org: string): string;
  feedEffective(day: string): string;
  feedFallbackTitle: string;
  feedMore(n: number): string;
  /** The sentence of one change of a notice (names as the map states them). */
  change(fact: NoticeFact): string;
}

/** `a, b and c` in a language's words for `and`. */
function listOf(items: readonly string[], and: string): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;
}

const en: PageMessages = {
  title: (org) => `Subprocessors of ${org}`,
  lastUpdated: 'Last updated',
  listVersion: 'list version',
  legalName: 'Legal name',
  address: 'Address',
  privacyPolicy: 'Privacy policy',
  dpa: 'Data processing agreement',
  objectTo: 'To object to a change',
  ourRole: 'Our role',
  roles: (org, parts) => `${org} is ${parts.join('; ')}`,
  roleFor: (role, audience) => `${role} for ${en.audience[audience]}`,
  noticesHeading: 'Changes to this list',
  noticeOf: (n, e) => `Notice of ${n}: effective ${e}`,
  effectiveAtOnce: 'Effective at once',
  emergencyOverride: 'emergency override',
  groupsNav: 'Groups of subprocessors',
  groups: {
    region: {
      eea: {
        title: 'Subprocessors operating within the EU/EEA',
        description: 'These subprocessors process personal data only inside the European Union or the European Economic Area.',
      },
      'third-country': {
        title: 'Subprocessors operating outside the EU/EEA',
        description: 'These subprocessors process personal data outside the EU/EEA, or their location is not stated.',
      },
    },
    role: {
      'core-infrastructure': {
        title: 'Core infrastructure subprocessors',
        description: 'Used for hosting customer data and providing or supporting the core infrastructure of the service.',
      },
      other: { title: 'Other subprocessors', description: 'Used to perform other service functions.' },
    },
    access: {
      'with-access': {
        title: 'Services with (partial) access to personal data',
        description: 'These services receive some personal data, listed for each.',
      },
      'without-access': {
        title: 'Services without access to personal data',
        description: 'These services receive no data that identifies you by itself.',
      },
    },
    'data-shared': {
      shared: { title: 'Subprocessors we share personal data with', description: 'The data shared is listed for each.' },
      none: {
        title: 'Subprocessors we share no personal data with',
        description: 'Data shared: none. They may run infrastructure our data passes through, without access to it.',
      },
    },
  },
  generated: 'Generated from the data map that enforces these flows.',
  followChanges: 'Follow changes:',
  atomFeed: 'Atom feed',
  feedLinkTitle: 'Changes to the subprocessor list',
  processingLocation: 'Processing location',
  legalEntity: 'Legal entity',
  legalAddress: 'Legal address',
  partOf: 'Part of',
  transferSafeguard: 'Transfer safeguard',
  transfer: {
    none: 'none needed (processing stays in the EU/EEA)',
    adequacy: 'adequacy decision',
    dpf: 'EU-US Data Privacy Framework',
    scc: 'standard contractual clauses',
    bcr: 'binding corporate rules',
    unknown: 'not stated',
  },
  dataShared: 'Data shared',
  none: 'None',
  passesOn: 'Passes data on to',
  hasAccess: 'Has access to',
  noAccess: 'Does not have access to',
  legalBasis: 'Legal basis',
  basis: { contract: 'Contract', 'legitimate-interests': 'Legitimate interests', consent: 'Consent', 'legal-obligation': 'Legal obligation' },
  about: 'About',
  audience: { customers: 'customers', 'end-users': 'end users', 'website-visitors': 'website visitors' },
  notStatedBy: (org) => `not stated by ${org}`,
  noteOptOut: (v) => `Opt-out: you can opt out of ${v} in your privacy settings.`,
  noteOptIn: (v) => `Opt-in: ${v} receives this only after you opt in, in your privacy settings.`,
  noteFeature: (f) => `Only while you use ${f}: on when you turn ${f} on, off when you turn it off.`,
  objection: (contact, day) => `To object, contact ${contact} before ${day}.`,
  location: {
    EU: 'EU',
    EEA: 'EEA',
    worldwide: 'worldwide',
    europe: 'europe',
    'north-america': 'north america',
    'latin-america': 'latin america',
    'asia-pacific': 'asia pacific',
    'middle-east': 'middle east',
    africa: 'africa',
  },
  feedTitle: (org) => `Subprocessors of ${org}: changes`,
  feedEffective: (day) => `Effective ${day}.`,
  feedFallbackTitle: 'Change to the subprocessor list',
  feedMore: (n) => `(+${n} more)`,
  change: (f) => {
    const names = (fields: string[]) => (fields.length === 0 ? 'no personal data' : fields.join(', '));
    const place = (locations: string[]) => (locations.length > 0 ? locations.join(', ') : 'a location not stated');
    switch (f.kind) {
      case 'subprocessor-added':
        return `${f.vendor} is added as a subprocessor.`;
      case 'subprocessor-replaced':
        return `${f.vendor} replaces ${f.replaces.join(', ')} as a subprocessor.`;
      case 'flow-added':
        return `${f.vendor} receives ${names(f.fields)} for ${f.purpose}.`;
      case 'fields-added':
        return `${f.vendor} now also receives ${names(f.fields)} for ${f.purpose}.`;
      case 'location-changed':
        return `${f.vendor} now processes data in ${place(f.locations)} (before: ${place(f.before)}).`;
    }
  },
};

const de: PageMessages = {
  title: (org) => `Unterauftragsverarbeiter von ${org}`,
  lastUpdated: 'Zuletzt aktualisiert',
  listVersion: 'Version der Liste',
  legalName: 'Firmenname',
  address: 'Anschrift',
  privacyPolicy: 'Datenschutzerklärung',
  dpa: 'Auftragsverarbeitungsvertrag',
  objectTo: 'Widerspruch gegen eine Änderung',
  ourRole: 'Unsere Rolle',
  roles: (org, parts) => `${org} ist ${parts.join('; ')}`,
  roleFor: (role, audience) =>
    `${role === 'controller' ? 'Verantwortlicher' : 'Auftragsverarbeiter'} für ${de.audience[audience]}`,
  noticesHeading: 'Änderungen dieser Liste',
  noticeOf: (n, e) => `Mitteilung vom ${n}: wirksam ab ${e}`,
  effectiveAtOnce: 'Sofort wirksam',
  emergencyOverride: 'Notfall-Freigabe',
  groupsNav: 'Gruppen von Unterauftragsverarbeitern',
  groups: {
    region: {
      eea: {
        title: 'Unterauftragsverarbeiter innerhalb der EU/des EWR',
        description:
          'Diese Unterauftragsverarbeiter verarbeiten personenbezogene Daten nur in der Europäischen Union oder im Europäischen Wirtschaftsraum.',
      },
      'third-country': {
        title: 'Unterauftragsverarbeiter außerhalb der EU/des EWR',
        description:
          'Diese Unterauftragsverarbeiter verarbeiten personenbezogene Daten außerhalb der EU/des EWR, oder ihr Standort ist nicht angegeben.',
      },
    },
    role: {
      'core-infrastructure': {
        title: 'Unterauftragsverarbeiter der Kerninfrastruktur',
        description: 'Für das Hosting von Kundendaten und für Betrieb oder Unterstützung der Kerninfrastruktur des Dienstes.',
      },
      other: { title: 'Weitere Unterauftragsverarbeiter', description: 'Für weitere Funktionen des Dienstes.' },
    },
    access: {
      'with-access': {
        title: 'Dienste mit (teilweisem) Zugriff auf personenbezogene Daten',
        description: 'Diese Dienste erhalten einige personenbezogene Daten, jeweils aufgeführt.',
      },
      'without-access': {
        title: 'Dienste ohne Zugriff auf personenbezogene Daten',
        description: 'Diese Dienste erhalten keine Daten, die Sie für sich allein identifizieren.',
      },
    },
    'data-shared': {
      shared: {
        title: 'Unterauftragsverarbeiter, mit denen wir personenbezogene Daten teilen',
        description: 'Die geteilten Daten sind jeweils aufgeführt.',
      },
      none: {
        title: 'Unterauftragsverarbeiter, mit denen wir keine personenbezogenen Daten teilen',
        description:
          'Geteilte Daten: keine. Sie betreiben unter Umständen Infrastruktur, durch die unsere Daten laufen, ohne Zugriff darauf.',
      },
    },
  },
  generated: 'Erzeugt aus der Datenkarte, die diese Datenflüsse durchsetzt.',
  followChanges: 'Änderungen verfolgen:',
  atomFeed: 'Atom-Feed',
  feedLinkTitle: 'Änderungen der Liste der Unterauftragsverarbeiter',
  processingLocation: 'Ort der Verarbeitung',
  legalEntity: 'Rechtsträger',
  legalAddress: 'Rechtliche Anschrift',
  partOf: 'Gehört zu',
  transferSafeguard: 'Garantie für die Übermittlung',
  transfer: {
    none: 'keine nötig (die Verarbeitung bleibt in der EU/im EWR)',
    adequacy: 'Angemessenheitsbeschluss',
    dpf: 'EU-US Data Privacy Framework',
    scc: 'Standardvertragsklauseln',
    bcr: 'verbindliche interne Datenschutzvorschriften',
    unknown: 'nicht angegeben',
  },
  dataShared: 'Geteilte Daten',
  none: 'Keine',
  passesOn: 'Gibt Daten weiter an',
  hasAccess: 'Hat Zugriff auf',
  noAccess: 'Hat keinen Zugriff auf',
  legalBasis: 'Rechtsgrundlage',
  basis: {
    contract: 'Vertrag',
    'legitimate-interests': 'Berechtigte Interessen',
    consent: 'Einwilligung',
    'legal-obligation': 'Rechtliche Verpflichtung',
  },
  about: 'Betrifft',
  audience: { customers: 'Kunden', 'end-users': 'Endnutzer', 'website-visitors': 'Besucher der Website' },
  notStatedBy: (org) => `von ${org} nicht angegeben`,
  noteOptOut: (v) => `Opt-out: Sie können ${v} in Ihren Datenschutzeinstellungen abwählen.`,
  noteOptIn: (v) => `Opt-in: ${v} erhält dies erst, nachdem Sie in Ihren Datenschutzeinstellungen zugestimmt haben.`,
  noteFeature: (f) => `Nur während Sie ${f} nutzen: an, wenn Sie ${f} einschalten, aus, wenn Sie es ausschalten.`,
  objection: (contact, day) => `Widerspruch bitte an ${contact} vor dem ${day}.`,
  location: {
    EU: 'EU',
    EEA: 'EWR',
    worldwide: 'weltweit',
    europe: 'Europa',
    'north-america': 'Nordamerika',
    'latin-america': 'Lateinamerika',
    'asia-pacific': 'Asien-Pazifik',
    'middle-east': 'Naher Osten',
    africa: 'Afrika',
  },
  feedTitle: (org) => `Unterauftragsverarbeiter von ${org}: Änderungen`,
  feedEffective: (day) => `Wirksam ab ${day}.`,
  feedFallbackTitle: 'Änderung der Liste der Unterauftragsverarbeiter',
  feedMore: (n) => `(+${n} weitere)`,
  change: (f) => {
    const names = (fields: string[]) => (fields.length === 0 ? 'keine personenbezogenen Daten' : listOf(fields, 'und'));
    const place = (locations: string[]) => (locations.length > 0 ? locations.join(', ') : 'nicht angegeben');
    switch (f.kind) {
      case 'subprocessor-added':
        return `${f.vendor} kommt als Unterauftragsverarbeiter hinzu.`;
      case 'subprocessor-replaced':
        return `${f.vendor} ersetzt ${listOf(f.replaces, 'und')} als Unterauftragsverarbeiter.`;
      case 'flow-added':
        return `${f.vendor} erhält ${names(f.fields)} für ${f.purpose}.`;
      case 'fields-added':
        return `${f.vendor} erhält zusätzlich ${names(f.fields)} für ${f.purpose}.`;
      case 'location-changed':
        return `Verarbeitungsort von ${f.vendor} jetzt: ${place(f.locations)} (vorher: ${place(f.before)}).`;
    }
  },
};

const fr: PageMessages = {
  title: (org) => `Sous-traitants ultérieurs de ${org}`,
  lastUpdated: 'Dernière mise à jour',
  listVersion: 'version de la liste',
  legalName: 'Raison sociale',
  address: 'Adresse',
  privacyPolicy: 'Politique de confidentialité',
  dpa: 'Accord de traitement des données',
  objectTo: 'Pour s’opposer à un changement',
  ourRole: 'Notre rôle',
  roles: (org, parts) => `${org} est ${parts.join(' ; ')}`,
  roleFor: (role, audience) =>
    `${role === 'controller' ? 'responsable du traitement' : 'sous-traitant'} pour ${fr.audience[audience]}`,
  noticesHeading: 'Modifications de cette liste',
  noticeOf: (n, e) => `Avis du ${n} : en vigueur le ${e}`,
  effectiveAtOnce: 'En vigueur immédiatement',
  emergencyOverride: 'dérogation d’urgence',
  groupsNav: 'Groupes de sous-traitants ultérieurs',
  groups: {
    region: {
      eea: {
        title: 'Sous-traitants ultérieurs opérant dans l’UE/EEE',
        description:
          'Ces sous-traitants ultérieurs traitent les données personnelles uniquement dans l’Union européenne ou l’Espace économique européen.',
      },
      'third-country': {
        title: 'Sous-traitants ultérieurs opérant hors de l’UE/EEE',
        description:
          'Ces sous-traitants ultérieurs traitent les données personnelles hors de l’UE/EEE, ou leur lieu n’est pas indiqué.',
      },
    },
    role: {
      'core-infrastructure': {
        title: 'Sous-traitants ultérieurs de l’infrastructure principale',
        description: 'Utilisés pour héberger les données des clients et fournir ou soutenir l’infrastructure principale du service.',
      },
      other: { title: 'Autres sous-traitants ultérieurs', description: 'Utilisés pour d’autres fonctions du service.' },
    },
    access: {
      'with-access': {
        title: 'Services ayant un accès (partiel) aux données personnelles',
        description: 'Ces services reçoivent certaines données personnelles, indiquées pour chacun.',
      },
      'without-access': {
        title: 'Services sans accès aux données personnelles',
        description: 'Ces services ne reçoivent aucune donnée qui vous identifie à elle seule.',
      },
    },
    'data-shared': {
      shared: {
        title: 'Sous-traitants ultérieurs avec qui nous partageons des données personnelles',
        description: 'Les données partagées sont indiquées pour chacun.',
      },
      none: {
        title: 'Sous-traitants ultérieurs avec qui nous ne partageons aucune donnée personnelle',
        description:
          'Données partagées : aucune. Ils peuvent exploiter une infrastructure par laquelle passent nos données, sans y avoir accès.',
      },
    },
  },
  generated: 'Généré à partir de la cartographie des données qui applique ces flux.',
  followChanges: 'Suivre les modifications :',
  atomFeed: 'flux Atom',
  feedLinkTitle: 'Modifications de la liste des sous-traitants ultérieurs',
  processingLocation: 'Lieu de traitement',
  legalEntity: 'Entité juridique',
  legalAddress: 'Adresse légale',
  partOf: 'Fait partie de',
  transferSafeguard: 'Garantie de transfert',
  transfer: {
    none: 'aucune nécessaire (le traitement reste dans l’UE/EEE)',
    adequacy: 'décision d’adéquation',
    dpf: 'EU-US Data Privacy Framework',
    scc: 'clauses contractuelles types',
    bcr: 'règles d’entreprise contraignantes',
    unknown: 'non indiquée',
  },
  dataShared: 'Données partagées',
  none: 'Aucune',
  passesOn: 'Transmet des données à',
  hasAccess: 'A accès à',
  noAccess: 'N’a pas accès à',
  legalBasis: 'Base légale',
  basis: {
    contract: 'Contrat',
    'legitimate-interests': 'Intérêts légitimes',
    consent: 'Consentement',
    'legal-obligation': 'Obligation légale',
  },
  about: 'Concerne',
  audience: { customers: 'les clients', 'end-users': 'les utilisateurs finaux', 'website-visitors': 'les visiteurs du site' },
  notStatedBy: (org) => `non indiqué par ${org}`,
  noteOptOut: (v) => `Opt-out : vous pouvez refuser ${v} dans vos paramètres de confidentialité.`,
  noteOptIn: (v) => `Opt-in : ${v} ne reçoit ces données qu’après votre accord, dans vos paramètres de confidentialité.`,
  noteFeature: (f) => `Uniquement pendant que vous utilisez ${f} : activé quand vous activez ${f}, désactivé quand vous le désactivez.`,
  objection: (contact, day) => `Pour vous opposer, contactez ${contact} avant le ${day}.`,
  location: {
    EU: 'UE',
    EEA: 'EEE',
    worldwide: 'monde entier',
    europe: 'Europe',
    'north-america': 'Amérique du Nord',
    'latin-america': 'Amérique latine',
    'asia-pacific': 'Asie-Pacifique',
    'middle-east': 'Moyen-Orient',
    africa: 'Afrique',
  },
  feedTitle: (org) => `Sous-traitants ultérieurs de ${org} : modifications`,
  feedEffective: (day) => `En vigueur le ${day}.`,
  feedFallbackTitle: 'Modification de la liste des sous-traitants ultérieurs',
  feedMore: (n) => `(+${n} de plus)`,
  change: (f) => {
    const names = (fields: string[]) => (fields.length === 0 ? 'aucune donnée personnelle' : listOf(fields, 'et'));
    const place = (locations: string[]) => (locations.length > 0 ? locations.join(', ') : 'non indiqué');
    switch (f.kind) {
      case 'subprocessor-added':
        return `${f.vendor} est ajouté comme sous-traitant ultérieur.`;
      case 'subprocessor-replaced':
        return `${f.vendor} remplace ${listOf(f.replaces, 'et')} comme sous-traitant ultérieur.`;
      case 'flow-added':
        return `${f.vendor} reçoit ${names(f.fields)} pour ${f.purpose}.`;
      case 'fields-added':
        return `${f.vendor} reçoit désormais aussi ${names(f.fields)} pour ${f.purpose}.`;
      case 'location-changed':
        return `Lieu de traitement de ${f.vendor} désormais : ${place(f.locations)} (auparavant : ${place(f.before)}).`;
    }
  },
};

export const PAGE_MESSAGES: Record<PageLanguage, PageMessages> = { en, de, fr };

/** `de-CH` → `de`; null when the tag's language has no catalog. */
export function pageLanguageOf(tag: string): PageLanguage | null {
  const base = tag.trim().toLowerCase().split(/[-_]/)[0];
  return (PAGE_LANGUAGES as readonly string[]).includes(base) ? (base as PageLanguage) : null;
}

/**
 * The page's language: `?lang=` when given (already validated), else the best of
 * Accept-Language (q-values honoured, `de-CH` matches `de`), else English.
 */
export function choosePageLanguage(lang: string | undefined, acceptLanguage: string | undefined): PageLanguage {
  if (lang) return pageLanguageOf(lang) ?? DEFAULT_PAGE_LANGUAGE;
  if (!acceptLanguage) return DEFAULT_PAGE_LANGUAGE;
  const best = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language([...PAGE_LANGUAGES]);
  return (best as PageLanguage | undefined) ?? DEFAULT_PAGE_LANGUAGE;
}

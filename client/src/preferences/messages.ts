/**
 * Every string the preference centre (the /settings page and the <flowgate-preferences>
 * embed) shows, per language. English is the source; German and French must have every key
 * (the type says so), and the browser test scans the rendered page for misses.
 */
export const en = {
  'title': 'Who gets what, and why',
  'summary': '{going} of {total} data flows go to vendors now. Switch off what you do not want; required ones are needed for the service.',
  'gpc': 'Your browser sends Global Privacy Control: opt-out vendors you have not chosen for are off.',
  'search.label': 'Find a vendor or purpose',
  'search.placeholder': 'e.g. LogRocket, analytics',
  'search.results': '{count} of {total} vendors match “{query}”.',
  'search.none': 'No vendor or purpose matches “{query}”.',
  'search.clear': 'Show all',
  'index.title': 'All vendors ({count})',
  'index.label': 'Vendors, A to Z',
  'bulk.label': 'All optional vendors at once',
  'bulk.off': 'Turn off all optional',
  'bulk.on': 'Allow all',
  'bulk.none': 'Nothing optional here: every flow shown is required.',
  'bulk.saved.off': 'Saved: {count} optional flows are off.',
  'bulk.saved.on': 'Saved: {count} optional flows are on.',
  'bulk.nothing': 'Nothing to change: they already are.',
  'purpose.switch': 'All of {purpose}',
  'purpose.saved': 'Saved: {purpose} is now {state} for every vendor.',
  'switch.on': 'On',
  'switch.off': 'Off',
  'switch.required': 'Required',
  'switch.locked': '{vendor} is required and cannot be switched off.',
  'flow.for': ' for {purpose}',
  'state.on': 'On: {vendor} receives this.',
  'state.on.default': 'On: {vendor} receives this (the default; you can switch it off).',
  'state.off': 'Off: {reason}.',
  'state.required': 'Always on: {why}.',
  'state.since': 'Your choice, {date}.',
  'why.contract': 'needed to provide the service you signed up for',
  'why.legitimate-interests': 'needed to run the service safely',
  'why.legal-obligation': 'required by law',
  'why.consent': 'required',
  'why.not-stated': 'the company says it needs this to provide the service, and has not stated its legal basis',
  'state.feature.on': 'On while you use {feature}: {vendor} receives this.',
  'state.feature.off': 'On while you use {feature}: off now, because you are not using it.',
  'reconsent.tag': 'Changed: needs your consent again',
  'reconsent.text': '{vendor} now also receives {fields}. That is blocked until you agree again.',
  'reconsent.agree': 'Agree to the new version for {vendor}',
  'facts.receives': 'Receives',
  'facts.excluded': 'Does not get',
  'facts.where': 'Where',
  'facts.why': 'Why',
  'facts.nothing': 'nothing listed',
  'facts.not-stated': 'not stated by the company',
  'facts.basis': ' (legal basis: {basis})',
  'facts.special': ' (special category data: {fields})',
  'where.not-stated': 'location not stated by the company',
  'where.eu': 'the EU',
  'saved': 'Saved: {what} is now {state}.',
  'undone': 'Undone: {what} is {state} again.',
  'undo': 'Undo',
  'saved.note': '✓ Saved',
  'state.word.on': 'on',
  'state.word.off': 'off',
  'error.not-saved': 'Not saved: {message}',
  'error.version': 'Not saved: what {vendor} receives changed meanwhile. Check it below and choose again.',
  'error.load': 'Your choices could not be loaded: {message}',
  'error.network': 'The server cannot be reached. Check your connection and try again.',
  'error.token': 'You are not signed in (the token was refused or has expired).',
  'error.no-token': 'Waiting for sign-in: no user token yet.',
  'loading': 'Loading your choices…',
  'mode.required': 'Required',
  'mode.opt-out': 'Opt-out',
  'mode.opt-in': 'Opt-in',
  'region.eea': 'EU/EEA',
  'region.third-country': 'Outside the EU/EEA',
  'region.not-stated': 'Location not stated',
  'basis.contract': 'contract',
  'basis.legitimate-interests': 'legitimate interests',
  'basis.consent': 'consent',
  'basis.legal-obligation': 'legal obligation',
  'basis.not-stated': 'not stated by the company',
  'reason.undeclared': 'not part of this flow',
  'reason.excluded': 'this vendor does not get it',
  'reason.opted-out': 'you switched it off',
  'reason.not-opted-in': 'it is off until you switch it on',
  'reason.no-flow': 'not declared',
  'reason.stale-consent': 'new since you agreed: needs your consent again',
  'reason.policy-unavailable': 'the rules are not available right now, so nothing is sent',
  'reason.not-yet-effective': 'announced, not yet in effect: nothing is sent before the date in the change notice',
  'reason.personal-value': 'it looked like personal data of another kind, so it was not sent',
  'reason.unreadable': 'it could not be checked, so it was not sent',
  'reason.none': 'not shared',
} as const;

export type MessageKey = keyof typeof en;
export type Catalog = Record<MessageKey, string>;

export const de: Catalog = {
  'title': 'Wer was bekommt, und warum',
  'summary': '{going} von {total} Datenflüssen gehen derzeit an Anbieter. Schalten Sie ab, was Sie nicht möchten; erforderliche Flüsse braucht der Dienst.',
  'gpc': 'Ihr Browser sendet Global Privacy Control: Opt-out-Anbieter, für die Sie nichts gewählt haben, sind aus.',
  'search.label': 'Anbieter oder Zweck suchen',
  'search.placeholder': 'z. B. LogRocket, Analyse',
  'search.results': '{count} von {total} Anbietern passen zu „{query}“.',
  'search.none': 'Kein Anbieter und kein Zweck passt zu „{query}“.',
  'search.clear': 'Alle zeigen',
  'index.title': 'Alle Anbieter ({count})',
  'index.label': 'Anbieter von A bis Z',
  'bulk.label': 'Alle optionalen Anbieter auf einmal',
  'bulk.off': 'Alle optionalen ausschalten',
  'bulk.on': 'Alle erlauben',
  'bulk.none': 'Hier ist nichts optional: Jeder gezeigte Fluss ist erforderlich.',
  'bulk.saved.off': 'Gespeichert: {count} optionale Flüsse sind aus.',
  'bulk.saved.on': 'Gespeichert: {count} optionale Flüsse sind an.',
  'bulk.nothing': 'Nichts zu ändern: Sie sind es bereits.',
  'purpose.switch': '{purpose} insgesamt',
  'purpose.saved': 'Gespeichert: {purpose} ist jetzt für alle Anbieter {state}.',
  'switch.on': 'An',
  'switch.off': 'Aus',
  'switch.required': 'Erforderlich',
  'switch.locked': '{vendor} ist erforderlich und lässt sich nicht ausschalten.',
  'flow.for': ' für {purpose}',
  'state.on': 'An: {vendor} erhält diese Daten.',
  'state.on.default': 'An: {vendor} erhält diese Daten (die Voreinstellung; Sie können sie ausschalten).',
  'state.off': 'Aus: {reason}.',
  'state.required': 'Immer an: {why}.',
  'state.since': 'Ihre Wahl vom {date}.',
  'why.contract': 'nötig, um den Dienst zu erbringen, für den Sie sich angemeldet haben',
  'why.legitimate-interests': 'nötig für den sicheren Betrieb des Dienstes',
  'why.legal-obligation': 'gesetzlich vorgeschrieben',
  'why.consent': 'erforderlich',
  'why.not-stated': 'das Unternehmen braucht dies nach eigener Angabe für den Dienst und hat keine Rechtsgrundlage angegeben',
  'state.feature.on': 'An, solange Sie {feature} nutzen: {vendor} erhält diese Daten.',
  'state.feature.off': 'An, solange Sie {feature} nutzen: jetzt aus, weil Sie es nicht nutzen.',
  'reconsent.tag': 'Geändert: braucht erneut Ihre Einwilligung',
  'reconsent.text': '{vendor} erhält jetzt auch {fields}. Das bleibt gesperrt, bis Sie erneut zustimmen.',
  'reconsent.agree': 'Der neuen Fassung für {vendor} zustimmen',
  'facts.receives': 'Erhält',
  'facts.excluded': 'Erhält nicht',
  'facts.where': 'Wo',
  'facts.why': 'Warum',
  'facts.nothing': 'nichts angegeben',
  'facts.not-stated': 'vom Unternehmen nicht angegeben',
  'facts.basis': ' (Rechtsgrundlage: {basis})',
  'facts.special': ' (besondere Kategorien von Daten: {fields})',
  'where.not-stated': 'Ort vom Unternehmen nicht angegeben',
  'where.eu': 'die EU',
  'saved': 'Gespeichert: {what} ist jetzt {state}.',
  'undone': 'Rückgängig gemacht: {what} ist wieder {state}.',
  'undo': 'Rückgängig',
  'saved.note': '✓ Gespeichert',
  'state.word.on': 'an',
  'state.word.off': 'aus',
  'error.not-saved': 'Nicht gespeichert: {message}',
  'error.version': 'Nicht gespeichert: Was {vendor} erhält, hat sich inzwischen geändert. Prüfen Sie es unten und wählen Sie erneut.',
  'error.load': 'Ihre Einstellungen konnten nicht geladen werden: {message}',
  'error.network': 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'error.token': 'Sie sind nicht angemeldet (das Token wurde abgelehnt oder ist abgelaufen).',
  'error.no-token': 'Warte auf die Anmeldung: noch kein Benutzer-Token.',
  'loading': 'Ihre Einstellungen werden geladen …',
  'mode.required': 'Erforderlich',
  'mode.opt-out': 'Opt-out',
  'mode.opt-in': 'Opt-in',
  'region.eea': 'EU/EWR',
  'region.third-country': 'Außerhalb der EU/des EWR',
  'region.not-stated': 'Ort nicht angegeben',
  'basis.contract': 'Vertrag',
  'basis.legitimate-interests': 'berechtigte Interessen',
  'basis.consent': 'Einwilligung',
  'basis.legal-obligation': 'rechtliche Verpflichtung',
  'basis.not-stated': 'vom Unternehmen nicht angegeben',
  'reason.undeclared': 'nicht Teil dieses Flusses',
  'reason.excluded': 'dieser Anbieter erhält es nicht',
  'reason.opted-out': 'Sie haben es ausgeschaltet',
  'reason.not-opted-in': 'aus, bis Sie es einschalten',
  'reason.no-flow': 'nicht angegeben',
  'reason.stale-consent': 'neu seit Ihrer Zustimmung: braucht erneut Ihre Einwilligung',
  'reason.policy-unavailable': 'die Regeln sind gerade nicht verfügbar, daher wird nichts gesendet',
  'reason.not-yet-effective': 'angekündigt, noch nicht wirksam: vor dem Datum der Änderungsmitteilung wird nichts gesendet',
  'reason.personal-value': 'es sah nach personenbezogenen Daten anderer Art aus, daher wurde es nicht gesendet',
  'reason.unreadable': 'es ließ sich nicht prüfen, daher wurde es nicht gesendet',
  'reason.none': 'nicht geteilt',
};

export const fr: Catalog = {
  'title': 'Qui reçoit quoi, et pourquoi',
  'summary': '{going} flux de données sur {total} vont actuellement à des fournisseurs. Désactivez ce que vous ne voulez pas ; les flux obligatoires sont nécessaires au service.',
  'gpc': 'Votre navigateur envoie Global Privacy Control : les fournisseurs en opt-out pour lesquels vous n’avez rien choisi sont désactivés.',
  'search.label': 'Chercher un fournisseur ou une finalité',
  'search.placeholder': 'p. ex. LogRocket, analyse',
  'search.results': '{count} fournisseurs sur {total} correspondent à « {query} ».',
  'search.none': 'Aucun fournisseur ni aucune finalité ne correspond à « {query} ».',
  'search.clear': 'Tout afficher',
  'index.title': 'Tous les fournisseurs ({count})',
  'index.label': 'Fournisseurs, de A à Z',
  'bulk.label': 'Tous les fournisseurs facultatifs à la fois',
  'bulk.off': 'Désactiver tout le facultatif',
  'bulk.on': 'Tout autoriser',
  'bulk.none': 'Rien de facultatif ici : chaque flux affiché est obligatoire.',
  'bulk.saved.off': 'Enregistré : {count} flux facultatifs sont désactivés.',
  'bulk.saved.on': 'Enregistré : {count} flux facultatifs sont activés.',
  'bulk.nothing': 'Rien à changer : c’est déjà le cas.',
  'purpose.switch': 'Tout « {purpose} »',
  'purpose.saved': 'Enregistré : {purpose} est maintenant {state} pour tous les fournisseurs.',
  'switch.on': 'Activé',
  'switch.off': 'Désactivé',
  'switch.required': 'Obligatoire',
  'switch.locked': '{vendor} est obligatoire et ne peut pas être désactivé.',
  'flow.for': ' pour {purpose}',
  'state.on': 'Activé : {vendor} reçoit ces données.',
  'state.on.default': 'Activé : {vendor} reçoit ces données (par défaut ; vous pouvez le désactiver).',
  'state.off': 'Désactivé : {reason}.',
  'state.required': 'Toujours activé : {why}.',
  'state.since': 'Votre choix du {date}.',
  'why.contract': 'nécessaire pour fournir le service auquel vous avez souscrit',
  'why.legitimate-interests': 'nécessaire au fonctionnement sûr du service',
  'why.legal-obligation': 'exigé par la loi',
  'why.consent': 'obligatoire',
  'why.not-stated': 'l’entreprise indique en avoir besoin pour fournir le service, sans indiquer sa base juridique',
  'state.feature.on': 'Activé tant que vous utilisez {feature} : {vendor} reçoit ces données.',
  'state.feature.off': 'Activé tant que vous utilisez {feature} : désactivé, car vous ne l’utilisez pas.',
  'reconsent.tag': 'Modifié : votre consentement est à nouveau nécessaire',
  'reconsent.text': '{vendor} reçoit désormais aussi {fields}. C’est bloqué jusqu’à ce que vous acceptiez à nouveau.',
  'reconsent.agree': 'Accepter la nouvelle version pour {vendor}',
  'facts.receives': 'Reçoit',
  'facts.excluded': 'Ne reçoit pas',
  'facts.where': 'Où',
  'facts.why': 'Pourquoi',
  'facts.nothing': 'rien d’indiqué',
  'facts.not-stated': 'non indiqué par l’entreprise',
  'facts.basis': ' (base légale : {basis})',
  'facts.special': ' (données de catégorie particulière : {fields})',
  'where.not-stated': 'lieu non indiqué par l’entreprise',
  'where.eu': 'l’UE',
  'saved': 'Enregistré : {what} est maintenant {state}.',
  'undone': 'Annulé : {what} est à nouveau {state}.',
  'undo': 'Annuler',
  'saved.note': '✓ Enregistré',
  'state.word.on': 'activé',
  'state.word.off': 'désactivé',
  'error.not-saved': 'Non enregistré : {message}',
  'error.version': 'Non enregistré : ce que reçoit {vendor} a changé entre-temps. Vérifiez ci-dessous et choisissez à nouveau.',
  'error.load': 'Vos choix n’ont pas pu être chargés : {message}',
  'error.network': 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
  'error.token': 'Vous n’êtes pas connecté (le jeton a été refusé ou a expiré).',
  'error.no-token': 'En attente de connexion : pas encore de jeton utilisateur.',
  'loading': 'Chargement de vos choix…',
  'mode.required': 'Obligatoire',
  'mode.opt-out': 'Opt-out',
  'mode.opt-in': 'Opt-in',
  'region.eea': 'UE/EEE',
  'region.third-country': 'Hors UE/EEE',
  'region.not-stated': 'Lieu non indiqué',
  'basis.contract': 'contrat',
  'basis.legitimate-interests': 'intérêts légitimes',
  'basis.consent': 'consentement',
  'basis.legal-obligation': 'obligation légale',
  'basis.not-stated': 'non indiquée par l’entreprise',
  'reason.undeclared': 'ne fait pas partie de ce flux',
  'reason.excluded': 'ce fournisseur ne le reçoit pas',
  'reason.opted-out': 'vous l’avez désactivé',
  'reason.not-opted-in': 'désactivé tant que vous ne l’activez pas',
  'reason.no-flow': 'non déclaré',
  'reason.stale-consent': 'nouveau depuis votre accord : votre consentement est à nouveau nécessaire',
  'reason.policy-unavailable': 'les règles ne sont pas disponibles pour le moment, donc rien n’est envoyé',
  'reason.not-yet-effective': 'annoncé, pas encore en vigueur : rien n’est envoyé avant la date de l’avis de modification',
  'reason.personal-value': 'cela ressemblait à des données personnelles d’un autre type, donc rien n’a été envoyé',
  'reason.unreadable': 'cela n’a pas pu être vérifié, donc rien n’a été envoyé',
  'reason.none': 'non partagé',
};

export const CATALOGS = { en, de, fr } as const;
export type Language = keyof typeof CATALOGS;
export const LANGUAGES = Object.keys(CATALOGS) as Language[];

/**
 * The first language of `wanted` (a `lang` attribute first, then the browser's languages,
 * as Accept-Language lists them) that has a catalog; English otherwise.
 */
export function pickLanguage(wanted: readonly (string | null | undefined)[]): Language {
  for (const tag of wanted) {
    if (!tag) continue;
    const base = tag.trim().toLowerCase().split(/[-_]/)[0];
    if ((LANGUAGES as string[]).includes(base)) return base as Language;
  }
  return 'en';
}

/** A key the catalog lacks renders as ⟦key⟧, so a miss is visible (and found by the browser test). */
export const MISSING = (key: string): string => `⟦${key}⟧`;

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(language: Language): Translate {
  return catalogTranslator<MessageKey>(CATALOGS[language], language);
}

/** `t(key, params)` over any catalog: `{name}` placeholders, numbers in the language's format. */
export function catalogTranslator<K extends string>(
  catalog: Partial<Record<K, string>>,
  language: Language,
): (key: K, params?: Record<string, string | number>) => string {
  const numbers = new Intl.NumberFormat(language);
  return (key, params = {}) => {
    const text = catalog[key];
    if (text === undefined) return MISSING(key);
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? numbers.format(value) : value;
    });
  };
}

/**
 * A text of the map that may carry translations (`description: { en: …, de: … }` in the
 * manifest): the wanted language, else the default text.
 */
export function localized(
  text: string | null | undefined,
  translations: Readonly<Record<string, string>> | null | undefined,
  language: Language,
): string | null {
  return translations?.[language] ?? text ?? null;
}

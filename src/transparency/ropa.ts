import { NOT_STATED, regionOf, type Audience } from '@flowgate/core';
import { listedLocations, organizationOf, type Manifest } from '../data-map/manifest/manifest.types';
import { escapeHtml } from './render-page';

/**
 * The record of processing activities (GDPR Art. 30) as far as the map knows it: one row
 * per purpose, with the categories of data subjects and of personal data, the recipients,
 * the transfers to third countries with their mechanism, the legal bases, and whatever the
 * map does not state, marked as such (never left blank, never guessed).
 */
export interface RopaRow {
  purpose: string;
  purposeKey: string;
  description: string;
  /** The organisation's role for the audiences of this purpose. */
  role: string;
  dataSubjects: string;
  personalData: string;
  recipients: string;
  thirdCountryTransfers: string;
  legalBasis: string;
  retention: string;
}

export interface Ropa {
  controller: string;
  generatedFrom: string;
  rows: RopaRow[];
}

export const ROPA_COLUMNS: Array<[keyof RopaRow, string]> = [
  ['purpose', 'Purpose of processing'],
  ['description', 'Description'],
  ['role', 'Our role'],
  ['dataSubjects', 'Categories of data subjects'],
  ['personalData', 'Categories of personal data'],
  ['recipients', 'Recipients'],
  ['thirdCountryTransfers', 'Transfers to third countries (mechanism)'],
  ['legalBasis', 'Legal basis'],
  ['retention', 'Retention'],
];

const AUDIENCE_TEXT: Record<Audience, string> = { customers: 'customers', 'end-users': 'end users', 'website-visitors': 'website visitors' };
const MECHANISM_TEXT: Record<string, string> = {
  none: 'no transfer', adequacy: 'adequacy decision', dpf: 'EU-US Data Privacy Framework', scc: 'standard contractual clauses', bcr: 'binding corporate rules',
};

export function buildRopa(manifest: Manifest, mapVersion: number): Ropa {
  const org = organizationOf(manifest);
  const company = org?.name ?? 'the company';
  const notStated = `not stated by ${company}`;
  const fields = new Map(manifest.fields.map((f) => [f.key, f]));
  const vendors = new Map(manifest.subprocessors.map((s) => [s.key, s]));
  const rows = manifest.purposes
    .map((p): RopaRow | null => {
      const flows = manifest.flows.filter((f) => f.purpose === p.key);
      if (flows.length === 0) return null;
      const audiences = new Set(flows.flatMap((f) => f.audiences ?? []));
      const anyAudienceMissing = flows.some((f) => !f.audiences?.length);
      const data = new Set<string>();
      let dataNotStated = false;
      for (const f of flows) {
        if (f.fields === NOT_STATED) dataNotStated = true;
        else for (const k of f.fields) if (fields.get(k)?.sensitivity !== 'none') data.add(fields.get(k)?.name ?? k);
      }
      const recipients = [...new Set(flows.map((f) => f.subprocessor))].map((k) => vendors.get(k)!);
      const transfers = recipients
        .filter((s) => regionOf(s.locations) === 'third-country')
        .map((s) => {
          const where = listedLocations(s).join(', ') || `location ${notStated}`;
          const how = s.transferMechanism && s.transferMechanism !== 'unknown' ? MECHANISM_TEXT[s.transferMechanism] : `mechanism ${notStated}`;
          return `${s.name} (${where}): ${how}`;
        });
      const roles = [...audiences].map((a) => org?.roles?.[a]).filter(Boolean);
      const bases = [...new Set(flows.map((f) => (f.legalBasis === NOT_STATED ? notStated : f.legalBasis.replace('-', ' '))))];
      return {
        purpose: p.name,
        purposeKey: p.key,
        description: p.description ?? '',
        role: roles.length > 0 ? [...new Set(roles)].join(', ') : notStated,
        dataSubjects: [...[...audiences].map((a) => AUDIENCE_TEXT[a]), ...(anyAudienceMissing ? [`(some flows: ${notStated})`] : [])].join(', '),
        personalData: [...data].join(', ') + (dataNotStated ? `${data.size > 0 ? '; ' : ''}(some recipients: ${notStated})` : '') || 'none',
        recipients: recipients.map((s) => (s.legalEntity ? `${s.name} (${s.legalEntity})` : s.name)).join(', '),
        thirdCountryTransfers: transfers.length > 0 ? transfers.join('; ') : 'none',
        legalBasis: bases.join(', '),
        retention: notStated,
      };
    })
    .filter((r): r is RopaRow => r !== null);
  return { controller: org?.legalName ?? company, generatedFrom: `data map version ${mapVersion}`, rows };
}

/** RFC 4180 CSV; a cell that a spreadsheet would run as a formula is prefixed with `'`. */
export function ropaCsv(ropa: Ropa): string {
  const cell = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [ROPA_COLUMNS.map(([, title]) => cell(title)).join(',')];
  for (const row of ropa.rows) lines.push(ROPA_COLUMNS.map(([key]) => cell(row[key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function ropaHtml(ropa: Ropa, options: { standalone?: boolean } = {}): string {
  const head = ROPA_COLUMNS.map(([, title]) => `<th scope="col">${escapeHtml(title)}</th>`).join('');
  const body = ropa.rows
    .map((r) => `<tr>${ROPA_COLUMNS.map(([key], i) => (i === 0 ? `<th scope="row">${escapeHtml(r[key])}</th>` : `<td>${escapeHtml(r[key])}</td>`)).join('')}</tr>`)
    .join('\n');
  return [
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>Record of processing activities: ${escapeHtml(ropa.controller)}</title>\n`,
    options.standalone ? '' : '<link rel="stylesheet" href="/subprocessors.css">\n',
    '</head>\n<body>\n<main>\n',
    `<h1>Record of processing activities</h1>\n<p class="meta">${escapeHtml(ropa.controller)} · generated from the ${escapeHtml(ropa.generatedFrom)} (GDPR Art. 30)</p>\n`,
    `<table>\n<caption>One row per purpose</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>\n`,
    '</main>\n</body>\n</html>\n',
  ].join('');
}

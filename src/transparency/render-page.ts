import { NOT_STATED, type LegalBasis, type TransferMechanism } from '@flowgate/core';
import type { PageNotice } from './notice.types';
import type { PagePurpose, PageSubprocessor, SubprocessorPage } from './subprocessor-page';

/**
 * The public subprocessor page as HTML (accessible, print-friendly) and Markdown (for a
 * docs site). Both read only the page model, so they say the same facts.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const SPECIAL = /[&<>"']/;
const SPECIAL_ALL = /[&<>"']/g;

export function escapeHtml(text: string): string {
  // Most text has nothing to escape: test once, replace only when needed.
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c]) : text;
}

const LEGAL_BASIS_TEXT: Record<LegalBasis, string> = {
  contract: 'Contract',
  'legitimate-interests': 'Legitimate interests',
  consent: 'Consent',
  'legal-obligation': 'Legal obligation',
  'not-stated': 'not stated',
};

const TRANSFER_TEXT: Record<TransferMechanism, string> = {
  none: 'none needed (processing stays in the EU/EEA)',
  adequacy: 'adequacy decision',
  dpf: 'EU-US Data Privacy Framework',
  scc: 'standard contractual clauses',
  bcr: 'binding corporate rules',
  unknown: 'not stated',
};

const AUDIENCE_TEXT = { customers: 'customers', 'end-users': 'end users', 'website-visitors': 'website visitors' } as const;

export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4b5563; --line: #d0d7de; --accent: #0b57d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
a { color: var(--accent); }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.15rem; margin: 0 0 .25rem; }
h4 { font-size: 1rem; margin: .75rem 0 .25rem; }
.meta, .muted { color: var(--muted); }
article.subprocessor { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin: 1rem 0; break-inside: avoid; }
article.notice { border-left: 4px solid var(--accent); padding: .5rem 1rem; margin: 1rem 0; background: #f6f8fa; }
dl { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: .25rem 1rem; margin: .5rem 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.note { font-style: italic; }
nav ul { padding-left: 1.25rem; }
@media print {
  body { font-size: 11pt; }
  nav, .feeds { display: none; }
  a { color: inherit; text-decoration: none; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .85em; color: var(--muted); }
  article.subprocessor { border-color: #999; }
}
`;

export interface HtmlOptions {
  /** Inline the stylesheet (a file for a docs site) instead of linking `/subprocessors.css`. */
  standalone?: boolean;
}

export function renderPageHtml(page: SubprocessorPage, options: HtmlOptions = {}): string {
  const org = page.organization;
  const out: string[] = [];
  const byKey = new Map(page.subprocessors.map((s) => [s.key, s]));
  out.push(
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>Subprocessors of ${escapeHtml(org.name)}</title>\n`,
    options.standalone
      ? `<style>${PAGE_CSS}</style>\n`
      : '<link rel="stylesheet" href="/subprocessors.css">\n' +
          '<link rel="alternate" type="application/atom+xml" href="/subprocessors.atom" title="Changes to the subprocessor list">\n' +
          '<link rel="alternate" type="application/json" href="/subprocessors.json">\n',
    '</head>\n<body>\n<main>\n<header>\n',
    `<h1>Subprocessors of ${escapeHtml(org.name)}</h1>\n`,
    '<p class="meta">',
    page.date ? `Last updated <time datetime="${escapeHtml(page.date)}">${escapeHtml(page.date)}</time> · ` : '',
    `list version ${page.mapVersion}</p>\n`,
  );
  if (page.intro) out.push(`<p>${escapeHtml(page.intro)}</p>\n`);
  const orgFacts: Array<[string, string]> = [];
  if (org.legalName) orgFacts.push(['Legal name', escapeHtml(org.legalName)]);
  if (org.address) orgFacts.push(['Address', escapeHtml(org.address)]);
  if (org.privacyPolicyUrl) orgFacts.push(['Privacy policy', link(org.privacyPolicyUrl, org.privacyPolicyUrl)]);
  if (org.dpaUrl) orgFacts.push(['Data processing agreement', link(org.dpaUrl, org.dpaUrl)]);
  if (org.objectionContact) orgFacts.push(['To object to a change', contact(org.objectionContact)]);
  if (org.roles) {
    const roles = Object.entries(org.roles).map(([a, r]) => `${r} for ${AUDIENCE_TEXT[a as keyof typeof AUDIENCE_TEXT]}`);
    if (roles.length > 0) orgFacts.push(['Our role', escapeHtml(`${org.name} is ${roles.join('; ')}`)]);
  }
  if (orgFacts.length > 0) out.push(definitionList(orgFacts));
  out.push('</header>\n');

  if (page.notices.length > 0) {
    out.push('<section aria-labelledby="notices"><h2 id="notices">Changes to this list</h2>\n');
    for (const n of page.notices) out.push(noticeHtml(n));
    out.push('</section>\n');
  }
  if (page.groups.length > 1) {
    out.push('<nav aria-label="Groups of subprocessors"><ul>\n');
    for (const g of page.groups) {
      out.push(`<li><a href="#group-${g.key}">${escapeHtml(g.title)}</a> (${g.subprocessors.length})</li>\n`);
    }
    out.push('</ul></nav>\n');
  }
  for (const g of page.groups) {
    out.push(
      `<section aria-labelledby="group-${g.key}">\n<h2 id="group-${g.key}">${escapeHtml(g.title)}</h2>\n`,
      `<p class="muted">${escapeHtml(g.description)}</p>\n`,
    );
    for (const key of g.subprocessors) out.push(subprocessorHtml(byKey.get(key)!, org.name));
    out.push('</section>\n');
  }
  out.push(
    '<footer class="feeds">\n<p>Generated from the data map that enforces these flows.',
    options.standalone
      ? '</p>\n'
      : ' Follow changes: <a href="/subprocessors.atom">Atom feed</a> · <a href="/subprocessors.json">JSON</a>.</p>\n',
    '</footer>\n</main>\n</body>\n</html>\n',
  );
  return out.join('');
}

function subprocessorHtml(s: PageSubprocessor, company: string): string {
  const id = `sp-${s.key}`;
  const facts: Array<[string, string]> = [['Processing location', escapeHtml(s.locationText)]];
  if (s.legalEntity) facts.push(['Legal entity', escapeHtml(s.legalEntity)]);
  if (s.address) facts.push(['Legal address', escapeHtml(s.address)]);
  if (s.parent) facts.push(['Part of', escapeHtml(s.parent)]);
  if (s.transferMechanism && s.region === 'third-country') {
    facts.push(['Transfer safeguard', escapeHtml(TRANSFER_TEXT[s.transferMechanism])]);
  }
  facts.push(['Data shared', dataHtml(s.dataShared, company)]);
  if (s.transfers.length > 0) {
    facts.push(['Passes data on to', s.transfers.map((t) => `<a href="#sp-${t.to}">${escapeHtml(t.name)}</a>`).join(', ')]);
  }
  const heading = s.url ? link(s.url, s.name) : escapeHtml(s.name);
  return [
    `<article class="subprocessor" id="${id}" data-subprocessor="${escapeHtml(s.key)}" aria-labelledby="${id}-h">\n`,
    `<h3 id="${id}-h">${heading}</h3>\n`,
    s.description ? `<p>${escapeHtml(s.description)}</p>\n` : '',
    definitionList(facts),
    ...s.purposes.map((p) => purposeHtml(p, company)),
    '</article>\n',
  ].join('');
}

function purposeHtml(p: PagePurpose, company: string): string {
  const facts: Array<[string, string]> = [['Has access to', dataHtml(p.receives, company)]];
  if (p.doesNotReceive.length > 0) facts.push(['Does not have access to', namesHtml(p.doesNotReceive)]);
  facts.push(['Legal basis', escapeHtml(p.legalBasis === NOT_STATED ? `not stated by ${company}` : LEGAL_BASIS_TEXT[p.legalBasis])]);
  if (p.audiences) facts.push(['About', escapeHtml(p.audiences.map((a) => AUDIENCE_TEXT[a]).join(', '))]);
  return [
    `<section class="purpose" data-flow="${escapeHtml(p.key)}">\n<h4>${escapeHtml(p.name)}</h4>\n`,
    p.description ? `<p>${escapeHtml(p.description)}</p>\n` : '',
    definitionList(facts),
    p.note ? `<p class="note">${escapeHtml(p.note)}</p>\n` : '',
    '</section>\n',
  ].join('');
}

function noticeHtml(n: PageNotice): string {
  return [
    `<article class="notice" id="notice-${n.id}">\n`,
    `<h3>Notice of ${dateOf(n.noticeDate)}: effective ${dateOf(n.effectiveDate)}</h3>\n<ul>\n`,
    ...n.changes.map((c) => `<li>${escapeHtml(c)}</li>\n`),
    '</ul>\n',
    n.override ? `<p><strong>Effective at once</strong> (emergency override): ${escapeHtml(n.override.reason)}</p>\n` : '',
    `<p>${escapeHtml(n.objection)}</p>\n</article>\n`,
  ].join('');
}

function dateOf(iso: string): string {
  const day = iso.slice(0, 10);
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(day)}</time>`;
}

export function dataText(data: string[] | typeof NOT_STATED, company: string): string {
  if (data === NOT_STATED) return `not stated by ${company}`;
  return data.length === 0 ? 'None' : data.join(', ');
}

/** Field names recur across thousands of entries: each is escaped once per process. */
const escapedNames = new Map<string, string>();

function namesHtml(names: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) {
    let html = escapedNames.get(names[i]);
    if (html === undefined) {
      html = escapeHtml(names[i]);
      if (escapedNames.size < 100_000) escapedNames.set(names[i], html);
    }
    out += i === 0 ? html : `, ${html}`;
  }
  return out;
}

function dataHtml(data: string[] | typeof NOT_STATED, company: string): string {
  if (data === NOT_STATED) return escapeHtml(`not stated by ${company}`);
  return data.length === 0 ? 'None' : namesHtml(data);
}

function definitionList(facts: Array<[string, string]>): string {
  return `<dl>\n${facts.map(([dt, dd]) => `<dt>${dt}</dt><dd>${dd}</dd>\n`).join('')}</dl>\n`;
}

function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

function contact(value: string): string {
  if (/^https?:\/\//i.test(value)) return link(value, value);
  if (/^[^@\s]+@[^@\s]+$/.test(value)) return link(`mailto:${value}`, value);
  return escapeHtml(value);
}

// ── Markdown ──────────────────────────────────────────────────────────────────

function md(text: string): string {
  return text.replace(/([\\`*_[\]<>|#])/g, '\\$1');
}

export function renderPageMarkdown(page: SubprocessorPage): string {
  const org = page.organization;
  const byKey = new Map(page.subprocessors.map((s) => [s.key, s]));
  const out: string[] = [`# Subprocessors of ${md(org.name)}`, ''];
  out.push(`${page.date ? `Last updated ${page.date} · ` : ''}list version ${page.mapVersion}`, '');
  if (page.intro) out.push(md(page.intro), '');
  const orgFacts: string[] = [];
  if (org.legalName) orgFacts.push(`- **Legal name:** ${md(org.legalName)}`);
  if (org.address) orgFacts.push(`- **Address:** ${md(org.address)}`);
  if (org.privacyPolicyUrl) orgFacts.push(`- **Privacy policy:** <${org.privacyPolicyUrl}>`);
  if (org.dpaUrl) orgFacts.push(`- **Data processing agreement:** <${org.dpaUrl}>`);
  if (org.objectionContact) orgFacts.push(`- **To object to a change:** ${md(org.objectionContact)}`);
  if (orgFacts.length > 0) out.push(...orgFacts, '');
  if (page.notices.length > 0) {
    out.push('## Changes to this list', '');
    for (const n of page.notices) {
      out.push(`### Notice of ${n.noticeDate.slice(0, 10)}: effective ${n.effectiveDate.slice(0, 10)}`, '');
      out.push(...n.changes.map((c) => `- ${md(c)}`), '');
      if (n.override) out.push(`**Effective at once** (emergency override): ${md(n.override.reason)}`, '');
      out.push(md(n.objection), '');
    }
  }
  for (const g of page.groups) {
    out.push(`## ${md(g.title)}`, '', md(g.description), '');
    for (const key of g.subprocessors) {
      const s = byKey.get(key)!;
      out.push(`### ${s.url ? `[${md(s.name)}](${s.url})` : md(s.name)}`, '');
      if (s.description) out.push(md(s.description), '');
      out.push(`- **Processing location:** ${md(s.locationText)}`);
      if (s.legalEntity) out.push(`- **Legal entity:** ${md(s.legalEntity)}`);
      if (s.address) out.push(`- **Legal address:** ${md(s.address)}`);
      if (s.parent) out.push(`- **Part of:** ${md(s.parent)}`);
      if (s.transferMechanism && s.region === 'third-country') {
        out.push(`- **Transfer safeguard:** ${TRANSFER_TEXT[s.transferMechanism]}`);
      }
      out.push(`- **Data shared:** ${md(dataText(s.dataShared, org.name))}`);
      if (s.transfers.length > 0) out.push(`- **Passes data on to:** ${s.transfers.map((t) => md(t.name)).join(', ')}`);
      out.push('');
      for (const p of s.purposes) {
        out.push(`#### ${md(p.name)}`, '');
        if (p.description) out.push(md(p.description), '');
        out.push(`- **Has access to:** ${md(dataText(p.receives, org.name))}`);
        if (p.doesNotReceive.length > 0) out.push(`- **Does not have access to:** ${md(p.doesNotReceive.join(', '))}`);
        out.push(`- **Legal basis:** ${p.legalBasis === NOT_STATED ? `not stated by ${md(org.name)}` : LEGAL_BASIS_TEXT[p.legalBasis]}`);
        if (p.note) out.push(`- *${md(p.note)}*`);
        out.push('');
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

import { NOT_STATED } from '@flowgate/core';
import type { PageNotice } from './notice.types';
import { DEFAULT_PAGE_LANGUAGE, PAGE_MESSAGES, type PageLanguage, type PageMessages } from './page-messages';
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

/** `?lang=xx` for the links between the page and its feeds (none for the default language). */
export function langQuery(language: PageLanguage): string {
  return language === DEFAULT_PAGE_LANGUAGE ? '' : `?lang=${language}`;
}

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
  const t = PAGE_MESSAGES[page.language];
  const q = langQuery(page.language);
  const out: string[] = [];
  const byKey = new Map(page.subprocessors.map((s) => [s.key, s]));
  out.push(
    `<!doctype html>\n<html lang="${page.language}">\n<head>\n<meta charset="utf-8">\n`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    `<title>${escapeHtml(t.title(org.name))}</title>\n`,
    options.standalone
      ? `<style>${PAGE_CSS}</style>\n`
      : '<link rel="stylesheet" href="/subprocessors.css">\n' +
          `<link rel="alternate" type="application/atom+xml" href="/subprocessors.atom${q}" title="${escapeHtml(t.feedLinkTitle)}">\n` +
          `<link rel="alternate" type="application/json" href="/subprocessors.json${q}">\n`,
    '</head>\n<body>\n<main>\n<header>\n',
    `<h1>${escapeHtml(t.title(org.name))}</h1>\n`,
    '<p class="meta">',
    page.date ? `${escapeHtml(t.lastUpdated)} <time datetime="${escapeHtml(page.date)}">${escapeHtml(page.date)}</time> · ` : '',
    `${escapeHtml(t.listVersion)} ${page.mapVersion}</p>\n`,
  );
  if (page.intro) out.push(`<p>${escapeHtml(page.intro)}</p>\n`);
  const orgFacts: Array<[string, string]> = [];
  if (org.legalName) orgFacts.push([escapeHtml(t.legalName), escapeHtml(org.legalName)]);
  if (org.address) orgFacts.push([escapeHtml(t.address), escapeHtml(org.address)]);
  if (org.privacyPolicyUrl) orgFacts.push([escapeHtml(t.privacyPolicy), link(org.privacyPolicyUrl, org.privacyPolicyUrl)]);
  if (org.dpaUrl) orgFacts.push([escapeHtml(t.dpa), link(org.dpaUrl, org.dpaUrl)]);
  if (org.objectionContact) orgFacts.push([escapeHtml(t.objectTo), contact(org.objectionContact)]);
  const roles = rolesText(page, t);
  if (roles) orgFacts.push([escapeHtml(t.ourRole), escapeHtml(roles)]);
  if (orgFacts.length > 0) out.push(definitionList(orgFacts));
  out.push('</header>\n');

  if (page.notices.length > 0) {
    out.push(`<section aria-labelledby="notices"><h2 id="notices">${escapeHtml(t.noticesHeading)}</h2>\n`);
    for (const n of page.notices) out.push(noticeHtml(n, t, page.language));
    out.push('</section>\n');
  }
  if (page.groups.length > 1) {
    out.push(`<nav aria-label="${escapeHtml(t.groupsNav)}"><ul>\n`);
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
    for (const key of g.subprocessors) out.push(subprocessorHtml(byKey.get(key)!, org.name, t));
    out.push('</section>\n');
  }
  out.push(
    `<footer class="feeds">\n<p>${escapeHtml(t.generated)}`,
    options.standalone
      ? '</p>\n'
      : ` ${escapeHtml(t.followChanges)} <a href="/subprocessors.atom${q}">${escapeHtml(t.atomFeed)}</a> · <a href="/subprocessors.json${q}">JSON</a>.</p>\n`,
    '</footer>\n</main>\n</body>\n</html>\n',
  );
  return out.join('');
}

/** `Caplena is processor for customers; controller for end users`, or null when the map gives no role. */
function rolesText(page: SubprocessorPage, t: PageMessages): string | null {
  const roles = page.organization.roles;
  if (!roles) return null;
  const parts = Object.entries(roles).map(([a, r]) => t.roleFor(r, a as keyof PageMessages['audience']));
  return parts.length > 0 ? t.roles(page.organization.name, parts) : null;
}

/** The fixed wording of the facts, escaped once per language (they recur for every vendor). */
const labelCache = new Map<PageMessages, Record<string, string>>();
function labels(t: PageMessages): Record<string, string> {
  let out = labelCache.get(t);
  if (out === undefined) {
    out = {};
    for (const [k, v] of Object.entries(t)) if (typeof v === 'string') out[k] = escapeHtml(v);
    labelCache.set(t, out);
  }
  return out;
}

function subprocessorHtml(s: PageSubprocessor, company: string, t: PageMessages): string {
  const id = `sp-${s.key}`;
  const l = labels(t);
  const facts: Array<[string, string]> = [[l.processingLocation, escapeHtml(s.locationText)]];
  if (s.legalEntity) facts.push([l.legalEntity, escapeHtml(s.legalEntity)]);
  if (s.address) facts.push([l.legalAddress, escapeHtml(s.address)]);
  if (s.parent) facts.push([l.partOf, escapeHtml(s.parent)]);
  if (s.transferMechanism && s.region === 'third-country') {
    facts.push([l.transferSafeguard, escapeHtml(t.transfer[s.transferMechanism])]);
  }
  facts.push([l.dataShared, dataHtml(s.dataShared, company, t)]);
  if (s.transfers.length > 0) {
    facts.push([l.passesOn, s.transfers.map((t) => `<a href="#sp-${t.to}">${escapeHtml(t.name)}</a>`).join(', ')]);
  }
  const heading = s.url ? link(s.url, s.name) : escapeHtml(s.name);
  return [
    `<article class="subprocessor" id="${id}" data-subprocessor="${escapeHtml(s.key)}" aria-labelledby="${id}-h">\n`,
    `<h3 id="${id}-h">${heading}</h3>\n`,
    s.description ? `<p>${escapeHtml(s.description)}</p>\n` : '',
    definitionList(facts),
    ...s.purposes.map((p) => purposeHtml(p, company, t)),
    '</article>\n',
  ].join('');
}

function purposeHtml(p: PagePurpose, company: string, t: PageMessages): string {
  const l = labels(t);
  const facts: Array<[string, string]> = [[l.hasAccess, dataHtml(p.receives, company, t)]];
  if (p.doesNotReceive.length > 0) facts.push([l.noAccess, namesHtml(p.doesNotReceive)]);
  facts.push([l.legalBasis, escapeHtml(p.legalBasis === NOT_STATED ? t.notStatedBy(company) : t.basis[p.legalBasis])]);
  if (p.audiences) facts.push([l.about, escapeHtml(p.audiences.map((a) => t.audience[a]).join(', '))]);
  return [
    `<section class="purpose" data-flow="${escapeHtml(p.key)}">\n<h4>${escapeHtml(p.name)}</h4>\n`,
    p.description ? `<p>${escapeHtml(p.description)}</p>\n` : '',
    definitionList(facts),
    p.note ? `<p class="note">${escapeHtml(p.note)}</p>\n` : '',
    '</section>\n',
  ].join('');
}

function noticeHtml(n: PageNotice, t: PageMessages, language: PageLanguage): string {
  // Sentences of notices stored before their facts are English: marked as such on another page.
  const li = n.changesLanguage !== undefined && n.changesLanguage !== language ? `<li lang="${n.changesLanguage}">` : '<li>';
  return [
    `<article class="notice" id="notice-${n.id}">\n`,
    `<h3>${t.noticeOf(dateOf(n.noticeDate), dateOf(n.effectiveDate))}</h3>\n<ul>\n`,
    ...n.changes.map((c) => `${li}${escapeHtml(c)}</li>\n`),
    '</ul>\n',
    n.override
      ? `<p><strong>${escapeHtml(t.effectiveAtOnce)}</strong> (${escapeHtml(t.emergencyOverride)}): ${escapeHtml(n.override.reason)}</p>\n`
      : '',
    `<p>${escapeHtml(n.objection)}</p>\n</article>\n`,
  ].join('');
}

function dateOf(iso: string): string {
  const day = iso.slice(0, 10);
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(day)}</time>`;
}

export function dataText(data: string[] | typeof NOT_STATED, company: string, t: PageMessages = PAGE_MESSAGES.en): string {
  if (data === NOT_STATED) return t.notStatedBy(company);
  return data.length === 0 ? t.none : data.join(', ');
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

function dataHtml(data: string[] | typeof NOT_STATED, company: string, t: PageMessages): string {
  if (data === NOT_STATED) return escapeHtml(t.notStatedBy(company));
  return data.length === 0 ? escapeHtml(t.none) : namesHtml(data);
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
  const t = PAGE_MESSAGES[page.language];
  const byKey = new Map(page.subprocessors.map((s) => [s.key, s]));
  const out: string[] = [`# ${md(t.title(org.name))}`, ''];
  out.push(`${page.date ? `${t.lastUpdated} ${page.date} · ` : ''}${t.listVersion} ${page.mapVersion}`, '');
  if (page.intro) out.push(md(page.intro), '');
  const orgFacts: string[] = [];
  if (org.legalName) orgFacts.push(`- **${t.legalName}:** ${md(org.legalName)}`);
  if (org.address) orgFacts.push(`- **${t.address}:** ${md(org.address)}`);
  if (org.privacyPolicyUrl) orgFacts.push(`- **${t.privacyPolicy}:** <${org.privacyPolicyUrl}>`);
  if (org.dpaUrl) orgFacts.push(`- **${t.dpa}:** <${org.dpaUrl}>`);
  if (org.objectionContact) orgFacts.push(`- **${t.objectTo}:** ${md(org.objectionContact)}`);
  const roles = rolesText(page, t);
  if (roles) orgFacts.push(`- **${t.ourRole}:** ${md(roles)}`);
  if (orgFacts.length > 0) out.push(...orgFacts, '');
  if (page.notices.length > 0) {
    out.push(`## ${t.noticesHeading}`, '');
    for (const n of page.notices) {
      out.push(`### ${t.noticeOf(n.noticeDate.slice(0, 10), n.effectiveDate.slice(0, 10))}`, '');
      out.push(...n.changes.map((c) => `- ${md(c)}`), '');
      if (n.override) out.push(`**${t.effectiveAtOnce}** (${t.emergencyOverride}): ${md(n.override.reason)}`, '');
      out.push(md(n.objection), '');
    }
  }
  for (const g of page.groups) {
    out.push(`## ${md(g.title)}`, '', md(g.description), '');
    for (const key of g.subprocessors) {
      const s = byKey.get(key)!;
      out.push(`### ${s.url ? `[${md(s.name)}](${s.url})` : md(s.name)}`, '');
      if (s.description) out.push(md(s.description), '');
      out.push(`- **${t.processingLocation}:** ${md(s.locationText)}`);
      if (s.legalEntity) out.push(`- **${t.legalEntity}:** ${md(s.legalEntity)}`);
      if (s.address) out.push(`- **${t.legalAddress}:** ${md(s.address)}`);
      if (s.parent) out.push(`- **${t.partOf}:** ${md(s.parent)}`);
      if (s.transferMechanism && s.region === 'third-country') {
        out.push(`- **${t.transferSafeguard}:** ${t.transfer[s.transferMechanism]}`);
      }
      out.push(`- **${t.dataShared}:** ${md(dataText(s.dataShared, org.name, t))}`);
      if (s.transfers.length > 0) out.push(`- **${t.passesOn}:** ${s.transfers.map((x) => md(x.name)).join(', ')}`);
      out.push('');
      for (const p of s.purposes) {
        out.push(`#### ${md(p.name)}`, '');
        if (p.description) out.push(md(p.description), '');
        out.push(`- **${t.hasAccess}:** ${md(dataText(p.receives, org.name, t))}`);
        if (p.doesNotReceive.length > 0) out.push(`- **${t.noAccess}:** ${md(p.doesNotReceive.join(', '))}`);
        out.push(`- **${t.legalBasis}:** ${p.legalBasis === NOT_STATED ? md(t.notStatedBy(org.name)) : t.basis[p.legalBasis]}`);
        if (p.audiences) out.push(`- **${t.about}:** ${p.audiences.map((a) => t.audience[a]).join(', ')}`);
        if (p.note) out.push(`- *${md(p.note)}*`);
        out.push('');
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

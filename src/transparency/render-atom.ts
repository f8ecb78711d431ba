import type { PageNotice } from './notice.types';
import { PAGE_MESSAGES, type PageMessages } from './page-messages';
import { langQuery } from './render-page';
import type { SubprocessorPage } from './subprocessor-page';

/**
 * The change notices as an Atom feed (RFC 4287): one entry per notice, newest first, so
 * customers can subscribe to the list instead of "checking back here".
 */
export interface AtomOptions {
  /** Absolute base URL of the public page (`https://flowgate.example.com`); links are left out without it. */
  baseUrl?: string;
  /** The feed's `updated` when there is no notice yet (the map's last change). */
  updated: Date;
}

function xml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** A stable IRI for the feed: the same organisation name gives the same id. */
export function feedId(organization: string): string {
  const slug = organization.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'map';
  return `urn:flowgate:subprocessors:${slug}`;
}

export function renderAtom(page: SubprocessorPage, options: AtomOptions): string {
  const org = page.organization.name;
  const updated = page.notices.reduce(
    (latest, n) => (Date.parse(n.noticeDate) > latest ? Date.parse(n.noticeDate) : latest),
    options.updated.getTime(),
  );
  const base = options.baseUrl?.replace(/\/$/, '');
  const t = PAGE_MESSAGES[page.language];
  const q = langQuery(page.language);
  const out: string[] = [
    `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${page.language}">\n`,
    `<id>${xml(feedId(org))}</id>\n`,
    `<title>${xml(t.feedTitle(org))}</title>\n`,
    `<updated>${new Date(updated).toISOString()}</updated>\n`,
    `<author><name>${xml(page.organization.legalName ?? org)}</name></author>\n`,
  ];
  if (base) {
    out.push(
      `<link rel="self" type="application/atom+xml" href="${xml(`${base}/subprocessors.atom${q}`)}"/>\n`,
      `<link rel="alternate" type="text/html" href="${xml(`${base}/subprocessors${q}`)}"/>\n`,
    );
  }
  for (const n of page.notices) out.push(entry(n, org, base, t, q));
  out.push('</feed>\n');
  return out.join('');
}

function entry(n: PageNotice, org: string, base: string | undefined, t: PageMessages, q: string): string {
  const effective = n.effectiveDate.slice(0, 10);
  const summary = [
    ...n.changes,
    n.override ? `${t.effectiveAtOnce} (${t.emergencyOverride}): ${n.override.reason}` : t.feedEffective(effective),
    n.objection,
  ].join(' ');
  return [
    '<entry>\n',
    `<id>${xml(`${feedId(org)}:notice:${n.id}`)}</id>\n`,
    `<title>${xml(`${n.changes[0] ?? t.feedFallbackTitle}${n.changes.length > 1 ? ` ${t.feedMore(n.changes.length - 1)}` : ''}`)}</title>\n`,
    `<published>${n.noticeDate}</published>\n`,
    `<updated>${n.override?.at ?? n.noticeDate}</updated>\n`,
    base ? `<link rel="alternate" type="text/html" href="${xml(`${base}/subprocessors${q}#notice-${n.id}`)}"/>\n` : '',
    ...n.kinds.map((k) => `<category term="${xml(k)}"/>\n`),
    `<summary type="text">${xml(summary)}</summary>\n`,
    '</entry>\n',
  ].join('');
}

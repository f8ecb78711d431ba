import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Checks a document against the rules of RFC 4287 that a feed reader relies on: well-formed
 * XML, an `atom:feed` root in the Atom namespace with exactly one `id`, `title` and
 * `updated`, an author (on the feed or on every entry), and each entry with exactly one
 * `id`, `title` and `updated`; every date an RFC 3339 date-time, every id an absolute IRI.
 * Returns the problems (empty: valid) and the parsed entries.
 */
export function checkAtom(text: string): { problems: string[]; entries: Array<Record<string, unknown>> } {
  const wellFormed = XMLValidator.validate(text);
  if (wellFormed !== true) return { problems: [`not well-formed XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`], entries: [] };
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'link', 'category', 'author'].includes(name) }).parse(text) as Record<string, Record<string, unknown>>;
  const problems: string[] = [];
  const feed = doc.feed;
  if (!feed) return { problems: ['the root element is not feed'], entries: [] };
  if (feed['@xmlns'] !== 'http://www.w3.org/2005/Atom') problems.push('feed is not in the Atom namespace');
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
  const iri = /^[a-z][a-z0-9+.-]*:\S+$/i;
  const one = (el: Record<string, unknown>, name: string, at: string) => {
    const value = el[name];
    if (value === undefined || Array.isArray(value)) problems.push(`${at} must have exactly one ${name}`);
    return value;
  };
  const checkCommon = (el: Record<string, unknown>, at: string) => {
    const id = one(el, 'id', at);
    if (typeof id === 'string' && !iri.test(id)) problems.push(`${at}.id is not an absolute IRI: ${id}`);
    one(el, 'title', at);
    const updated = one(el, 'updated', at);
    if (typeof updated === 'string' && !rfc3339.test(updated)) problems.push(`${at}.updated is not an RFC 3339 date-time: ${updated}`);
    if (typeof el.published === 'string' && !rfc3339.test(el.published)) problems.push(`${at}.published is not an RFC 3339 date-time`);
    for (const link of (el.link as Array<Record<string, string>> | undefined) ?? []) {
      if (!link['@href']) problems.push(`${at}.link has no href`);
    }
  };
  checkCommon(feed, 'feed');
  const entries = (feed.entry as Array<Record<string, unknown>> | undefined) ?? [];
  const feedAuthor = Array.isArray(feed.author) && feed.author.length > 0;
  entries.forEach((entry, i) => {
    checkCommon(entry, `entry[${i}]`);
    if (!feedAuthor && !entry.author) problems.push(`entry[${i}] has no author and neither has the feed`);
    if (!entry.summary && !entry.content) problems.push(`entry[${i}] has neither summary nor content`);
  });
  const ids = entries.map((e) => e.id);
  if (new Set(ids).size !== ids.length) problems.push('entry ids are not unique');
  return { problems, entries };
}

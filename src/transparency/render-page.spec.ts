import fc from 'fast-check';
import { aManifest, aSubprocessor } from '../../test/factories/manifest.factory';
import { normalizeManifest } from '../data-map/manifest/manifest.diff';
import { renderAtom } from './render-atom';
import { escapeHtml, renderPageHtml, renderPageMarkdown } from './render-page';
import { buildSubprocessorPage } from './subprocessor-page';

/** Names come from the map, which anyone with a write token can fill: the page must never run them. */
describe(renderPageHtml.name, () => {
  const page = (name: string, field: string) => {
    const m = aManifest();
    m.subprocessors[0] = aSubprocessor({ name, description: name, address: name });
    m.fields[0] = { ...m.fields[0], name: field };
    return buildSubprocessorPage(normalizeManifest(m), { mapVersion: 3, updatedAt: new Date('2026-11-01T00:00:00Z') });
  };

  it('escapes every name, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ minLength: 1, maxLength: 30 }), (name, field) => {
        const html = renderPageHtml(page(`<b>${name}`, `<i>${field}`));
        expect(html).not.toContain(`<b>${name}`);
        expect(html).not.toContain(`<i>${field}`);
        expect(html).toContain(escapeHtml(`<b>${name}`));
        expect(html).toContain(escapeHtml(`<i>${field}`));
      }),
      { numRuns: 100 },
    );
  });

  it('writes well-formed XML in the Atom feed and escapes Markdown', () => {
    const p = page('Vendor <A> & "Co"', 'Email & *name*');
    p.notices = [{ id: 1, kinds: ['added-subprocessor'], changes: ['Vendor <A> & "Co" is added as a subprocessor.'], noticeDate: '2026-11-01T00:00:00.000Z', effectiveDate: '2026-12-01T00:00:00.000Z', mapVersion: 3, objection: 'Write to us.' }];
    const atom = renderAtom(p, { updated: new Date('2026-11-01T00:00:00Z') });
    expect(atom).toContain('Vendor &lt;A&gt; &amp; &quot;Co&quot; is added');
    expect(atom).not.toContain('<A>');
    expect(renderPageMarkdown(p)).toContain('Email & \\*name\\*');
  });
});

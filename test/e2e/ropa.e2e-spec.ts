import { aConsentManifest } from '../factories/consent-app.factory';
import { aFlow, aPurpose, aSubprocessor } from '../factories/manifest.factory';
import { startTestApp, type TestApp } from '../support/test-app';

/** Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += c;
  }
  return rows;
}

describe('GET /api/v1/ropa (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const m = aConsentManifest({ version: 2, organization: { name: 'Example Org', legalName: 'Example Org Ltd', roles: { customers: 'processor' } } });
    m.purposes.push(aPurpose({ key: 'hosting', name: '=HYPERLINK("https://evil.example")' }));
    m.subprocessors.push(aSubprocessor({ key: 'vendor-f', name: 'Vendor F', locations: 'not-stated', category: 'infrastructure' }));
    m.flows.push(aFlow({ subprocessor: 'vendor-f', purpose: 'hosting', legalBasis: 'not-stated', fields: 'not-stated', audiences: ['customers'] }));
    await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(m).expect(201);
  });
  afterAll(() => t.close());

  it('has one CSV row per purpose, with recipients, third-country transfers and their mechanism', async () => {
    const res = await t.http().get('/api/v1/ropa?format=csv').set('Authorization', t.admin).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = parseCsv(res.text);
    expect(header).toEqual(['Purpose of processing', 'Description', 'Our role', 'Categories of data subjects', 'Categories of personal data', 'Recipients', 'Transfers to third countries (mechanism)', 'Legal basis', 'Retention']);
    const by = Object.fromEntries(rows.map((r) => [r[0], Object.fromEntries(header.map((h, i) => [h, r[i]]))]));
    expect(Object.keys(by).sort()).toEqual(["'=HYPERLINK(\"https://evil.example\")", 'Customer support', 'Email delivery', 'Marketing', 'Product analytics'].sort());
    expect(by['Product analytics']).toMatchObject({
      Recipients: 'Vendor B, Vendor D',
      'Transfers to third countries (mechanism)': 'Vendor B (US): standard contractual clauses; Vendor D (US, DE): EU-US Data Privacy Framework',
      'Categories of personal data': 'Page views',
      'Legal basis': 'consent',
    });
    expect(by['Customer support']['Transfers to third countries (mechanism)']).toBe('none');
  });

  it('marks what the map does not state, and never runs a cell as a formula', async () => {
    const rows = parseCsv((await t.http().get('/api/v1/ropa').set('Authorization', t.admin).expect(200)).text);
    const hosting = rows.find((r) => r[0].includes('HYPERLINK'))!;
    expect(hosting[0].startsWith("'=")).toBe(true);
    expect(hosting).toEqual(expect.arrayContaining([
      'processor',
      'customers',
      '(some recipients: not stated by Example Org)',
      'Vendor F (location not stated by Example Org): mechanism not stated by Example Org',
      'not stated by Example Org',
    ]));
    const support = rows.find((r) => r[0] === 'Customer support')!;
    expect(support[3]).toBe('(some flows: not stated by Example Org)');
  });

  it('serves an HTML table with row and column headers, and JSON', async () => {
    const html = await t.http().get('/api/v1/ropa?format=html').set('Authorization', t.admin).expect(200);
    expect(html.text).toContain('<th scope="col">Categories of data subjects</th>');
    expect(html.text).toContain('<th scope="row">Customer support</th>');
    expect(html.text).toContain('=HYPERLINK(&quot;https://evil.example&quot;)');
    const json = await t.http().get('/api/v1/ropa?format=json').set('Authorization', t.admin).expect(200);
    expect(json.body.controller).toBe('Example Org Ltd');
  });

  it('is for the admin only, and names a bad format', async () => {
    await t.http().get('/api/v1/ropa').expect(401);
    const bad = await t.http().get('/api/v1/ropa?format=pdf').set('Authorization', t.admin).expect(400);
    expect(bad.body.details).toEqual([{ path: 'format', message: 'must be one of csv, html, json' }]);
  });
});

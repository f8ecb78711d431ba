import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { checkAtom } from '../support/atom';
import { startTestApp, type TestApp } from '../support/test-app';

/** The public subprocessor page, its JSON and Atom feed, served from the map without a token. */
describe('GET /subprocessors (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FLOWGATE_SEED_MANIFEST: 'examples/caplena.yaml', FLOWGATE_PUBLIC_URL: 'https://privacy.example.com' });
  });
  afterAll(() => t.close());

  it('serves the page as HTML to anyone, with its stylesheet and feeds linked', async () => {
    const res = await t.http().get('/subprocessors').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.text).toContain('<h1>Subprocessors of Caplena</h1>');
    expect(res.text).toContain('href="/subprocessors.atom"');
    const css = await t.http().get('/subprocessors.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toContain('@media print');
  });

  it('serves JSON that the published schema accepts', async () => {
    const res = await t.http().get('/subprocessors.json').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync('docs/subprocessors.schema.json', 'utf8')) as object);
    expect(validate(res.body) ? [] : validate.errors).toEqual([]);
    expect(res.body.subprocessors).toHaveLength(13);
  });

  it('serves a valid Atom feed', async () => {
    const res = await t.http().get('/subprocessors.atom').expect(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(checkAtom(res.text).problems).toEqual([]);
    expect(res.text).toContain('<link rel="alternate" type="text/html" href="https://privacy.example.com/subprocessors"/>');
  });

  it('answers 304 to a matching ETag, and a new ETag and page after a map change', async () => {
    const first = await t.http().get('/subprocessors').expect(200);
    const etag = first.headers.etag as string;
    await t.http().get('/subprocessors').set('If-None-Match', etag).expect(304);
    await t.http().patch('/api/v1/subprocessors/close').set('Authorization', t.admin).send({ name: 'Close CRM' }).expect(200);
    const after = await t.http().get('/subprocessors').set('If-None-Match', etag).expect(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(after.text).toContain('Close CRM');
  });
});

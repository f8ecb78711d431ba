import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run-cli';

// Each command boots the application on the file (1-2 s idle; past jest's 5 s on a loaded box).
jest.setTimeout(30_000);

/** The privacy team's commands: completeness, publish, impact, ropa, on a real SQLite file. */
describe('flowgate CLI: transparency commands', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-cli-'));
    env = { DATABASE_PATH: join(dir, 'flowgate.sqlite'), FLOWGATE_ADMIN_TOKEN: 'cli-admin-token-0123456789', LOG_LEVEL: 'error', FLOWGATE_NOTICE_WINDOW_DAYS: '0' };
    expect((await run('import', 'examples/numberz.yaml')).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('lists what a file does not state, with paths, and the same for the stored map', async () => {
    const file = await run('completeness', 'examples/numberz.yaml', '--format', 'json');
    expect(file.code).toBe(0);
    const report = JSON.parse(file.out) as { gaps: Array<{ path: string; kind: string }> };
    expect(report.gaps).toContainEqual({ path: 'subprocessors[0].locations', kind: 'not-stated', subject: 'aws', message: 'where Amazon Web Services processes data is not stated' });
    const stored = await run('completeness');
    expect(stored.out).toMatch(/^\d+ of \d+ facts stated; \d+ not stated:/);
    expect(stored.out).toContain('not-stated');
  });

  it('publishes the page as Markdown and as one HTML file', async () => {
    const md = await run('publish', '--format', 'md');
    expect(md.out).toContain('# Subprocessors of Numberz');
    expect(md.out).toContain('- **Data shared:** None');
    const out = join(dir, 'page.html');
    expect((await run('publish', '--format', 'html', '--out', out)).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<style>');
    expect(html).not.toContain('href="/subprocessors');
    expect((await run('publish', '--format', 'pdf')).code).toBe(2);
  });

  it('publishes the page in German and French (--lang), refusing another language', async () => {
    const de = await run('publish', '--format', 'md', '--lang', 'de');
    expect(de.code).toBe(0);
    expect(de.out).toContain('# Unterauftragsverarbeiter von Numberz');
    expect(de.out).toContain('- **Geteilte Daten:** Keine');
    const out = join(dir, 'page.fr.html');
    expect((await run('publish', '--format', 'html', '--lang', 'fr', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>\n<html lang="fr">/);
    const json = JSON.parse((await run('publish', '--format', 'json', '--lang', 'fr')).out) as { language: string };
    expect(json.language).toBe('fr');
    const es = await run('publish', '--lang', 'es');
    expect([es.code, es.err]).toEqual([2, '--lang must be en, de or fr, got "es"']);
  });

  it('reports the impact of a change without writing it', async () => {
    const changed = readFileSync('examples/numberz.yaml', 'utf8').replace(/(subprocessor: sendgrid\n\s+purpose: email-delivery\n\s+mode: )required/, '$1opt-in').replace(/(subprocessor: sendgrid[\s\S]*?legalBasis: )not-stated/, '$1consent');
    const file = join(dir, 'changed.yaml');
    writeFileSync(file, changed);
    const res = await run('impact', file, '--days', '30');
    expect(res.code).toBe(0);
    expect(res.out).toContain('changed  sendgrid.email-delivery: 0 users lose it, 0 gain it');
    expect((await run('export')).out).toContain('mode: required');
    expect((await run('impact', file, '--days', 'soon')).code).toBe(2);
  });

  it('writes the record of processing as CSV', async () => {
    const res = await run('ropa');
    expect(res.code).toBe(0);
    expect(res.out.split('\r\n')[0]).toBe('Purpose of processing,Description,Our role,Categories of data subjects,Categories of personal data,Recipients,Transfers to third countries (mechanism),Legal basis,Retention');
    expect(res.out).toContain('QuickBooks (IN): mechanism not stated by Numberz');
    expect((await run('ropa', '--format', 'xlsx')).code).toBe(2);
  });
});

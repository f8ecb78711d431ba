import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/run-cli';

// Each command boots the application on the file (1-2 s idle; past jest's 5 s on a loaded box).
jest.setTimeout(30_000);

describe('flowgate CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-cli-'));
    env = { DATABASE_PATH: join(dir, 'flowgate.sqlite'), FLOWGATE_ADMIN_TOKEN: 'cli-admin-token-0123456789', LOG_LEVEL: 'error' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('validates a good manifest', async () => {
    expect(await run('validate', 'examples/caplena.yaml')).toMatchObject({ code: 0, out: expect.stringMatching(/^examples\/caplena.yaml: valid/) });
  });

  it('exits 1 listing every problem of a bad manifest', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nfields: []\npurposes: []\nsubprocessors: []\nflows:\n  - subprocessor: a\n    purpose: b\n    mode: never\n    legalBasis: contract\n    fields: [x]\n');
    const res = await run('validate', bad);
    expect(res.code).toBe(1);
    expect(res.err).toContain('4 problems');
    expect(res.err).toContain('flows[0].mode: must be one of required, opt-out, opt-in');
    expect(res.err).toContain('flows[0].fields[0]: unknown field "x"');
  });

  it('imports (dry run first), then exports the same map', async () => {
    const dry = await run('import', 'examples/qase.yaml', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('Dry run: nothing was changed.');
    expect(parse((await run('export')).out)).toMatchObject({ fields: [], flows: [] });

    const real = await run('import', 'examples/qase.yaml');
    expect(real.out).toContain('data map is now version 1');
    const exported = parse((await run('export', '--format', 'json')).out);
    const file = parse(readFileSync('examples/qase.yaml', 'utf8'));
    expect(exported.flows).toHaveLength(file.flows.length);
    expect((await run('import', 'examples/qase.yaml')).out).toContain('Nothing to change');
  });

  it('prunes what the file no longer lists', async () => {
    const res = await run('import', 'examples/numberz.yaml', '--prune');
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/- subprocessor zendesk/);
  });

  it('answers a usage error with exit 2', async () => {
    expect((await run('import')).code).toBe(2);
    expect((await run('export', '--format', 'xml')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
  });
});

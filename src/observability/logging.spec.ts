import { jest } from '@jest/globals';
import fc from 'fast-check';
import pino from 'pino';
import type { FlowgateConfig } from '../config/configuration';
import { execFileSync } from 'node:child_process';
import { createRootLogger, isoTime, LineBlocks, writeAccessLine } from './logging';

describe('isoTime (the log lines’ `time`, formatted once per millisecond)', () => {
  afterEach(() => jest.useRealTimers());

  it('writes what pino’s isoTime writes, and a new string when the millisecond changes', () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T15:00:00.123Z') });
    expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
    expect(isoTime()).toBe(',"time":"2026-12-01T15:00:00.123Z"');
    jest.setSystemTime(Date.parse('2026-12-01T15:00:00.124Z'));
    expect(isoTime()).toBe(',"time":"2026-12-01T15:00:00.124Z"');
    expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
    jest.setSystemTime(Date.parse('2027-01-01T00:00:00.000Z'));
    expect(isoTime()).toBe(',"time":"2027-01-01T00:00:00.000Z"');
  });
});

describe('writeAccessLine (the access-log line without pino’s per-line work)', () => {
  const config = (logLevel: FlowgateConfig['logLevel']) => ({ logLevel, logFormat: 'json' }) as FlowgateConfig;
  const collect = () => {
    const lines: string[] = [];
    return { lines, destination: { write: (line: string) => void lines.push(line) } };
  };
  const text = fc.string({ unit: 'binary', maxLength: 40 });
  const access = fc.record(
    {
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'),
      route: fc.option(text, { nil: null }),
      status: fc.integer({ min: 100, max: 599 }),
      durationMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
      principal: fc.constantFrom('admin', 'service', 'user', 'none' as const),
      userId: text,
      service: text,
      admin: text,
    },
    { requiredKeys: ['method', 'route', 'status', 'durationMs', 'principal'] },
  );

  afterEach(() => jest.useRealTimers());

  it('writes byte for byte the line pino writes for `log[level]({ access }, message)`', () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T15:00:00.123Z') });
    fc.assert(
      fc.property(access, text, fc.constantFrom('info', 'error' as const), fc.string({ maxLength: 20 }), (line, message, level, requestId) => {
        const ours = collect();
        const theirs = collect();
        writeAccessLine(createRootLogger(config('log'), ours).child({ requestId }), level, line, message);
        createRootLogger(config('log'), theirs).child({ requestId })[level]({ access: line }, message);
        expect(ours.lines).toEqual(theirs.lines);
        expect(ours.lines).toHaveLength(1);
      }),
    );
  });

  it('writes nothing below the configured level, as pino would', () => {
    const quiet = collect();
    const line = { method: 'GET', route: '/api/health', status: 200, durationMs: 1, principal: 'none' as const };
    writeAccessLine(createRootLogger(config('error'), quiet).child({ requestId: 'r' }), 'info', line, 'GET /api/health 200');
    expect(quiet.lines).toEqual([]);
    writeAccessLine(createRootLogger(config('error'), quiet).child({ requestId: 'r' }), 'error', { ...line, status: 500 }, 'GET /api/health 500');
    expect(quiet.lines).toHaveLength(1);
    expect(JSON.parse(quiet.lines[0])).toMatchObject({ level: 50, service: 'flowgate', requestId: 'r', access: { status: 500 }, msg: 'GET /api/health 500' });
  });
});

describe(LineBlocks.name, () => {
  const sink = () => {
    const writes: string[] = [];
    return { writes, out: { write: (data: string) => void writes.push(data), flushSync: jest.fn() } };
  };

  it('hands whole blocks on once they reach their length, in order', () => {
    const { writes, out } = sink();
    const blocks = new LineBlocks(out, 10, 60_000);
    blocks.write('aaaa\n');
    expect(writes).toEqual([]);
    blocks.write('bbbbbb\n');
    blocks.write('c\n');
    expect(writes).toEqual(['aaaa\nbbbbbb\n']);
    blocks.flushSync();
    expect(writes).toEqual(['aaaa\nbbbbbb\n', 'c\n']);
    expect(out.flushSync).toHaveBeenCalledTimes(1);
  });

  it('hands a short block on once its first line has waited flushMs', async () => {
    const { writes, out } = sink();
    const blocks = new LineBlocks(out, 4096, 20);
    blocks.write('one\n');
    blocks.write('two\n');
    expect(writes).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(writes).toEqual(['one\ntwo\n']);
    blocks.write('three\n');
    await new Promise((r) => setTimeout(r, 80));
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
  });

  it('writes the lines still gathered when the process exits', () => {
    // A real process, the real stdout destination: the last lines come out although it exits at once.
    const script = `
      const { createRootLogger } = require('./src/observability/logging');
      const logger = createRootLogger({ logLevel: 'log', logFormat: 'json' });
      for (let i = 0; i < 3; i++) logger.info('line ' + i);
      process.exit(0);
    `;
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { encoding: 'utf8' });
    expect(out.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['line 0', 'line 1', 'line 2']);
  });
});

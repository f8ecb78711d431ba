import { inspect } from 'node:util';
import { createGuard, isFlowgateError, memoryReporter, staticSource, type ConsentDeniedError } from '@flowgate/sdk';
import { startRecordingVendor, type RecordingVendor } from './support/recording-vendor';
import { BOB, buildLeakMap, LEAK_CONSENTS, LOGROCKET } from './corpus/leak-map';

const CAROL = 'carol@example.com';

let vendor: RecordingVendor;
beforeAll(async () => {
  vendor = await startRecordingVendor();
});
afterAll(() => vendor.close());

describe('payload keys that look like personal data', () => {
  it.each(['enforce', 'redact', 'monitor'] as const)('are never printed in errors nor stored in audit or drift events (%s)', async (mode) => {
    const reporter = memoryReporter();
    const guard = createGuard({ source: staticSource({ map: buildLeakMap(), consents: LEAK_CONSENTS }), mode, reporter });
    const payload = { recipients: { [CAROL]: true, '+44 20 7946 0958': 1 }, [CAROL]: { note: 'x' }, event: 'view' };
    const error = await guard
      .fetch(`${vendor.url}/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }, { userId: BOB, ...LOGROCKET })
      .then(() => null, (e: unknown) => e);
    const events = reporter.events();
    expect(events.length).toBeGreaterThan(0);
    const stored = JSON.stringify(events);
    expect(stored).not.toContain('carol');
    expect(stored).not.toContain('7946');
    expect(stored).toContain('<personal key>');
    expect(events.some((e) => e.kind === 'drift')).toBe(true);
    if (mode === 'enforce') {
      expect(isFlowgateError(error)).toBe(true);
      const denied = error as ConsentDeniedError;
      // the message, the fields, the decision, and the error as a logger prints it
      for (const text of [denied.message, denied.fields.join(' '), JSON.stringify(denied.decision), inspect(denied, { depth: 10 })]) {
        expect(text).not.toContain('carol');
        expect(text).not.toContain('7946');
      }
      expect(denied.fields).toEqual(expect.arrayContaining(['recipients[<personal key>]', '[<personal key>].note']));
      expect(denied.message).toContain('keys that look like personal data are shown as <personal key>');
    }
  });
});

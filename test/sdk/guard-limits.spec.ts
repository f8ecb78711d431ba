import { createCipheriv, randomBytes } from 'node:crypto';
import { createGuard, staticSource, type Guard } from '@flowgate/sdk';
import { BOB, buildLeakMap, LEAK_CONSENTS, LOGROCKET, SECRET } from './corpus/leak-map';
import { carries, startRecordingVendor, type RecordingVendor } from './support/recording-vendor';

/**
 * What the guard cannot see, by design (docs/sdk.md, "What the guard cannot see"): each test
 * pins one limit down, so that a change in it is a conscious one. Bob's email must not go to
 * LogRocket; in each case it does, and the guard cannot know.
 */
let vendor: RecordingVendor;
let guard: Guard;
const target = { userId: BOB, ...LOGROCKET };
beforeAll(async () => {
  vendor = await startRecordingVendor();
  guard = createGuard({ source: staticSource({ map: buildLeakMap(), consents: LEAK_CONSENTS }) });
});
beforeEach(() => vendor.reset());
afterAll(() => vendor.close());

const post = (body: BodyInit, headers: Record<string, string>, fields?: string[]) =>
  guard.fetch(`${vendor.url}/ingest`, { method: 'POST', headers, body }, { ...target, fields }).then((r) => r.arrayBuffer());

describe('what the guard cannot see', () => {
  it('data the caller encrypts itself, declared by the caller as something else', async () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify({ email: SECRET })), cipher.final()]);
    // An opaque body goes only when the call says what it holds; the guard takes its word.
    await post(sealed, { 'content-type': 'application/octet-stream' }, ['session.recording']);
    expect(vendor.requests).toHaveLength(1);
    expect(vendor.requests[0].body.equals(sealed)).toBe(true);
  });

  it('encodings beyond one level of URL or base64 decoding', async () => {
    const twice = Buffer.from(Buffer.from(SECRET).toString('base64')).toString('base64');
    await post(JSON.stringify({ note: twice }), { 'content-type': 'application/json' });
    const { note } = JSON.parse(vendor.requests[0].body.toString()) as { note: string };
    expect(Buffer.from(Buffer.from(note, 'base64').toString(), 'base64').toString()).toBe(SECRET);
  });

  it('personal data no classifier recognises (a name, a street address) in a declared free-text field', async () => {
    await post(JSON.stringify({ note: 'Bob Secret, 1 Main Street, Springfield' }), { 'content-type': 'application/json' });
    expect(vendor.requests[0].body.toString()).toContain('Bob Secret');
  });

  it('what a wrapped function sends besides its payload argument', async () => {
    const send = guard.wrap(
      LOGROCKET,
      async (payload: unknown, extra: string) => (await fetch(`${vendor.url}/wrap?ref=${encodeURIComponent(extra)}`, { method: 'POST', body: JSON.stringify(payload) })).arrayBuffer(),
      { userId: BOB },
    );
    await send({ event: 'view' }, SECRET);
    expect(carries(vendor.bytes(), SECRET)).toBe(true);
  });

  it('calls that do not go through the guard at all', async () => {
    await (await fetch(`${vendor.url}/direct`, { method: 'POST', body: JSON.stringify({ email: SECRET }) })).arrayBuffer();
    expect(carries(vendor.bytes(), SECRET)).toBe(true);
  });
});

import { ConsentService } from '../../src/consent/consent.service';
import { createGuard, type Guard } from '@flowgate/sdk';
import { localSource } from '../../src/policy/local-source';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';

describe('localSource inside a Flowgate app', () => {
  let t: ConsentTestApp;
  let guard: Guard;

  beforeAll(async () => {
    t = await startConsentApp();
    guard = createGuard({ source: localSource(t.app) });
    await guard.ready();
  });
  afterAll(async () => {
    await guard.close();
    await t.close();
  });

  it('reads its own writes: the check right after a recorded opt-out is denied', async () => {
    const call = { userId: 'ada@example.com', subprocessor: 'vendor-c', purpose: 'support', fields: ['user.contact.email'] };
    expect((await guard.check(call)).allow).toBe(true);
    expect(guard.checkCached(call)?.allow).toBe(true);

    await t.app.get(ConsentService).record('ada@example.com', [{ flowKey: 'vendor-c.support', granted: false }], {
      source: 'api',
      actor: 'admin',
    });
    expect(guard.checkCached(call)).toBeUndefined();
    expect(await guard.check(call)).toMatchObject({ allow: false, reason: 'opted-out' });
  });

  it('sees a change made through the preference API by the next check, without waiting', async () => {
    const call = { userId: 'grace@example.com', subprocessor: 'vendor-d', purpose: 'marketing' };
    expect((await guard.check(call)).reason).toBe('not-opted-in');
    await t.http().put('/api/v1/me/preferences/vendor-d.marketing').set('Authorization', t.user('grace@example.com')).send({ granted: true }).expect(200);
    expect((await guard.check(call)).allow).toBe(true);
  });

  it('follows the data map: a removed flow is no-flow once the policy is recompiled', async () => {
    const call = { userId: 'grace@example.com', subprocessor: 'vendor-d', purpose: 'marketing' };
    const before = await guard.check(call);
    await t.http().delete('/api/v1/flows/vendor-d.marketing').set('Authorization', t.admin).expect(204);
    const deadline = Date.now() + 2000;
    let after = await guard.check(call);
    while (after.policyVersion === before.policyVersion && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
      after = await guard.check(call);
    }
    expect(after).toMatchObject({ allow: false, reason: 'no-flow', policyVersion: before.policyVersion + 1 });
  });
});

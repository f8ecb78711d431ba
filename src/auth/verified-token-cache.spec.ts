import fc from 'fast-check';
import { Subject } from 'rxjs';
import type { ChangeLogService, LogEntry } from '../policy/change-log.service';
import type { Principal } from './principal';
import { fastHash, VERIFIED_TOKENS_MAX, VerifiedTokenCache } from './verified-token-cache';

const NOW = 1_800_000_000;
const service = (tokenId: number): Principal => ({ kind: 'service', tokenId, name: `svc-${tokenId}` });

/** The cache over a change log whose entries the test announces (the real log needs a database: the e2e tests use it). */
function setup() {
  const live = new Subject<LogEntry>();
  const cache = new VerifiedTokenCache({ live: live.asObservable() } as unknown as ChangeLogService);
  cache.onModuleInit();
  return { cache, announce: (e: LogEntry) => live.next(e) };
}

describe(VerifiedTokenCache.name, () => {
  it('recognises a token it was given, and only that token', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ minLength: 1, maxLength: 80 }), (kept, asked) => {
        const { cache } = setup();
        cache.set(kept, service(1), cache.generation);
        expect(cache.get(asked, NOW)).toEqual(asked === kept ? service(1) : null);
      }),
    );
  });

  it('takes a token whose fast hash collides with a kept one for a miss, never for that identity', () => {
    expect(fastHash('fg_svc_2pvu')).toBe(fastHash('fg_svc_d3ea'));
    const { cache } = setup();
    cache.set('fg_svc_2pvu', service(1), cache.generation);
    expect(cache.get('fg_svc_d3ea', NOW)).toBeNull();
    expect(cache.get('fg_svc_2pvu', NOW)).toEqual(service(1));
  });

  it("forgets a user token at its expiry second", () => {
    const { cache } = setup();
    const user: Principal = { kind: 'user', userId: 'ada@example.com' };
    cache.set('eyJ.a.b', user, cache.generation, NOW + 10);
    expect(cache.get('eyJ.a.b', NOW + 9)).toEqual(user);
    expect(cache.get('eyJ.a.b', NOW + 10)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('drops a service token when the change log announces its revocation, and keeps the others', () => {
    const { cache, announce } = setup();
    cache.set('fg_svc_one', service(1), cache.generation);
    cache.set('fg_svc_two', service(2), cache.generation);
    announce({ id: 7, kind: 'token', tokenId: 1 });
    expect(cache.get('fg_svc_one', NOW)).toBeNull();
    expect(cache.get('fg_svc_two', NOW)).toEqual(service(2));
  });

  it('does not keep a verification that started before a revocation was announced', () => {
    const { cache, announce } = setup();
    const started = cache.generation;
    announce({ id: 8, kind: 'token', tokenId: 3 });
    cache.set('fg_svc_three', service(3), started);
    expect(cache.get('fg_svc_three', NOW)).toBeNull();
  });

  it('ignores other change-log entries', () => {
    const { cache, announce } = setup();
    cache.set('fg_svc_one', service(1), cache.generation);
    announce({ id: 9, kind: 'consent', userId: 'ada@example.com', version: 1 });
    announce({ id: 10, kind: 'policy', version: 2 });
    expect(cache.get('fg_svc_one', NOW)).toEqual(service(1));
  });

  it(`holds at most ${VERIFIED_TOKENS_MAX} tokens, the oldest going first`, () => {
    const { cache } = setup();
    for (let i = 0; i <= VERIFIED_TOKENS_MAX; i++) cache.set(`fg_svc_${i}`, service(i), cache.generation);
    expect(cache.size).toBe(VERIFIED_TOKENS_MAX);
    expect(cache.get('fg_svc_0', NOW)).toBeNull();
    expect(cache.get(`fg_svc_${VERIFIED_TOKENS_MAX}`, NOW)).toEqual(service(VERIFIED_TOKENS_MAX));
  });
});

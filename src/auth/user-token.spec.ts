import { createHmac } from 'node:crypto';
import { signUserToken, verifyUserToken } from './user-token';

const SECRET = 'unit-test-secret-0123456789abcdef0123';
const NOW = 1_800_000_000;

/** The ten-line minting recipe from docs/consent.md, written out independently. */
function mintLikeAHostApp(userId: string, secret: string, exp: number, alg = 'HS256'): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg, typ: 'JWT' });
  const body = b64({ sub: userId, exp });
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

describe(verifyUserToken.name, () => {
  it('accepts a token minted with the documented recipe', () => {
    const token = mintLikeAHostApp('ada@example.com', SECRET, NOW + 60);
    expect(verifyUserToken(SECRET, token, NOW)).toEqual({ ok: true, userId: 'ada@example.com', expiresAt: NOW + 60 });
  });

  it('accepts its own tokens', () => {
    const token = signUserToken(SECRET, { sub: 'u-1', exp: NOW + 1 });
    expect(verifyUserToken(SECRET, token, NOW)).toMatchObject({ ok: true, userId: 'u-1' });
  });

  it('rejects an expired token, at the second it expires', () => {
    const token = mintLikeAHostApp('ada@example.com', SECRET, NOW);
    expect(verifyUserToken(SECRET, token, NOW)).toEqual({ ok: false, problem: 'expired' });
  });

  it('rejects a token signed with another secret', () => {
    const token = mintLikeAHostApp('ada@example.com', `${SECRET}x`, NOW + 60);
    expect(verifyUserToken(SECRET, token, NOW)).toEqual({ ok: false, problem: 'bad-signature' });
  });

  it('rejects a token whose claims were changed after signing', () => {
    const [head, , sig] = mintLikeAHostApp('ada@example.com', SECRET, NOW + 60).split('.');
    const body = Buffer.from(JSON.stringify({ sub: 'grace@example.com', exp: NOW + 60 })).toString('base64url');
    expect(verifyUserToken(SECRET, `${head}.${body}.${sig}`, NOW)).toEqual({ ok: false, problem: 'bad-signature' });
  });

  it('rejects every single flipped character of a valid token', () => {
    const token = mintLikeAHostApp('ada@example.com', SECRET, NOW + 60);
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const flipped = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
      expect(verifyUserToken(SECRET, flipped, NOW).ok).toBe(false);
    }
  });

  it('rejects algorithms other than HS256, even correctly signed', () => {
    const token = mintLikeAHostApp('ada@example.com', SECRET, NOW + 60, 'none');
    expect(verifyUserToken(SECRET, token, NOW)).toEqual({ ok: false, problem: 'malformed' });
  });

  it.each([
    ['no exp', { sub: 'ada@example.com' }],
    ['a string exp', { sub: 'ada@example.com', exp: String(NOW + 60) }],
    ['no sub', { exp: NOW + 60 }],
    ['a sub that is not a user id', { sub: 'ada smith', exp: NOW + 60 }],
  ])('rejects claims with %s', (_, claims) => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = b64({ alg: 'HS256', typ: 'JWT' });
    const body = b64(claims);
    const sig = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
    expect(verifyUserToken(SECRET, `${head}.${body}.${sig}`, NOW)).toEqual({ ok: false, problem: 'bad-claims' });
  });

  it.each(['', 'abc', 'a.b', 'a.b.c.d', 'a.b.c!', 'fg_svc_abc'])('rejects %j as malformed', (token) => {
    expect(verifyUserToken(SECRET, token, NOW)).toEqual({ ok: false, problem: 'malformed' });
  });
});

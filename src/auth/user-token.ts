import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUserId } from './user-id';

/**
 * End-user tokens: compact JWTs signed with HMAC-SHA256 (`alg: HS256`) by the host
 * application, with `sub` = the user id and `exp` (seconds since the epoch) required.
 * Any JWT library can mint them (`jwt.sign({ sub }, secret, { expiresIn: '1h' })`), and
 * so can ten lines of `node:crypto` (docs/consent.md). Only HS256 is accepted.
 */
export interface UserTokenClaims {
  sub: string;
  exp: number;
  iat?: number;
}

export type UserTokenCheck =
  | { ok: true; userId: string; expiresAt: number }
  | { ok: false; problem: 'malformed' | 'bad-signature' | 'expired' | 'bad-claims' };

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export function signUserToken(secret: string, claims: UserTokenClaims): string {
  const body = base64url(JSON.stringify(claims));
  return `${HEADER}.${body}.${sign(secret, `${HEADER}.${body}`)}`;
}

/** Whether `token` has the shape of a JWT (three base64url segments). */
export function looksLikeUserToken(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => SEGMENT.test(p));
}

/** Checks signature, algorithm, `sub` and `exp` against `nowSeconds`; never throws. */
export function verifyUserToken(secret: string, token: string, nowSeconds: number): UserTokenCheck {
  if (!looksLikeUserToken(token)) return { ok: false, problem: 'malformed' };
  const [head, body, signature] = token.split('.');
  const expected = Buffer.from(sign(secret, `${head}.${body}`), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, problem: 'bad-signature' };
  }
  const header = parseJson(head);
  if (header?.alg !== 'HS256') return { ok: false, problem: 'malformed' };
  const claims = parseJson(body);
  if (claims === null || !isUserId(claims.sub)) return { ok: false, problem: 'bad-claims' };
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return { ok: false, problem: 'bad-claims' };
  if (claims.exp <= nowSeconds) return { ok: false, problem: 'expired' };
  return { ok: true, userId: claims.sub, expiresAt: claims.exp };
}

function sign(secret: string, input: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parseJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

import { signUserToken } from '../../src/auth/user-token';

/** The user-token secret e2e apps run with (FLOWGATE_USER_TOKEN_SECRET). */
export const USER_TOKEN_SECRET = 'test-user-token-secret-0123456789abcdef';

/** A user token as a host application would mint it, valid for `ttlSeconds` (negative: expired). */
export function aUserToken(userId: string, options: { ttlSeconds?: number; secret?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signUserToken(options.secret ?? USER_TOKEN_SECRET, { sub: userId, exp: now + (options.ttlSeconds ?? 3600) });
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** A valid token whose payload was swapped for another user's: the signature no longer matches. */
export function aTamperedUserToken(userId: string, claimedUserId: string): string {
  const [head, , signature] = aUserToken(userId).split('.');
  const body = Buffer.from(JSON.stringify({ sub: claimedUserId, exp: Math.floor(Date.now() / 1000) + 3600 })).toString(
    'base64url',
  );
  return `${head}.${body}.${signature}`;
}

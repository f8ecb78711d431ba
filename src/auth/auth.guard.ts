import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ACCESS_KEY, ADMIN_ROLE_KEY, type Caller } from './access.decorator';
import { setActor } from './actor-context';
import { ADMIN_ROLES, type AdminRole } from './admin-role';
import { ADMIN_KEY_PREFIX, AdminKeysService } from './admin-keys.service';
import { ADMIN_TOKEN, type AdminTokenSource } from './admin-token';
import { AuthError } from './auth.errors';
import { CLOCK, type Clock } from './clock';
import { AuthRateLimiter, clientAddress } from './rate-limit';
import { actorOf, type AuthenticatedRequest, type Principal } from './principal';
import { SERVICE_TOKEN_PREFIX, ServiceTokensService } from './service-tokens.service';
import { looksLikeUserToken } from './user-token';
import { UserTokensService } from './user-tokens.service';
import { VerifiedTokenCache } from './verified-token-cache';

const KIND_NAMES: Record<Principal['kind'], string> = {
  admin: 'the admin token',
  service: 'service tokens',
  user: 'user tokens',
};

/**
 * Global guard: every route is admin-only unless `@Access(...)` says otherwise. Tells the
 * three kinds of token apart (admin, `fg_svc_…` service, signed user JWT), rejects
 * missing, unknown, tampered and expired ones with 401, and a valid token of a kind the
 * route does not take with 403. The caller is left on `request.principal`. Failed
 * authentications count against the client's address and the token's prefix
 * (`AuthRateLimiter`): over the limit, 429 with Retry-After (checked for every request,
 * a known token's too, so a blocked guesser never learns that a guess was right). A token
 * verified once is recognised again from `VerifiedTokenCache` (no SHA-256, HMAC or query).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly adminDigest: Buffer;
  /** `accessOf` per route handler. */
  private readonly access = new WeakMap<RouteHandler, RouteAccess>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(ADMIN_TOKEN) admin: AdminTokenSource,
    private readonly serviceTokens: ServiceTokensService,
    private readonly userTokens: UserTokensService,
    private readonly limiter: AuthRateLimiter,
    private readonly adminKeys: AdminKeysService,
    private readonly verified: VerifiedTokenCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.adminDigest = digest(admin.token);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.authorize(context.switchToHttp().getRequest<AuthenticatedRequest>(), this.accessOf(context.getHandler(), context.getClass()));
  }

  /**
   * Who may call a route handler, from its `@Access` and `@AdminRoleRequired` metadata
   * (method over class), read once per handler. Also for a route served without Nest's
   * pipeline (src/decisions/decision-route.ts), so both read the same decorators.
   */
  accessOf(handler: RouteHandler, controller: ReturnType<ExecutionContext['getClass']>): RouteAccess {
    let access = this.access.get(handler);
    if (access === undefined) {
      access = {
        allowed: this.reflector.getAllAndOverride<Caller[] | undefined>(ACCESS_KEY, [handler, controller]) ?? ['admin'],
        adminRole: this.reflector.getAllAndOverride<AdminRole | undefined>(ADMIN_ROLE_KEY, [handler, controller]),
      };
      this.access.set(handler, access);
    }
    return access;
  }

  /**
   * Authenticates the request's bearer token and checks it against `access`: leaves the
   * caller on `request.principal` (and as the actor of the request's records), or throws
   * the 401, 403 or 429 `AuthError`. Synchronous (no promise) when the rate-limit check
   * and the verified-token cache both answer at once, as they do for a token seen before.
   */
  authorize(request: AuthenticatedRequest, access: RouteAccess): true | Promise<true> {
    if (access.allowed.includes('public')) return true;
    const token = bearerToken(request);
    if (!token) {
      throw new AuthError('UNAUTHENTICATED', 'Missing bearer token (Authorization: Bearer <token>)');
    }
    const keys = this.limiter.keys(clientAddress(request), token);
    const checking = this.limiter.assertAllowed(keys);
    if (checking !== undefined) return checking.then(() => this.identify(request, access, token, keys));
    return this.identify(request, access, token, keys);
  }

  /** The token's principal from the verified-token cache, or verified now; then admitted or refused. */
  private identify(request: AuthenticatedRequest, access: RouteAccess, token: string, keys: readonly string[]): true | Promise<true> {
    const principal = this.verified.get(token, Math.floor(this.clock.now().getTime() / 1000));
    if (principal !== null) return this.admit(request, access, principal);
    return this.verify(token, keys).then((verified) => this.admit(request, access, verified));
  }

  private async verify(token: string, keys: readonly string[]): Promise<Principal> {
    const generation = this.verified.generation;
    let verified: Verified;
    try {
      verified = await this.authenticate(token);
    } catch (error) {
      if (error instanceof AuthError && error.code === 'UNAUTHENTICATED' && !(error as { expired?: boolean }).expired) {
        await this.limiter.failed(keys);
      }
      throw error;
    }
    if (verified.cache) this.verified.set(token, verified.principal, generation, verified.expiresAt);
    return verified.principal;
  }

  private admit(request: AuthenticatedRequest, access: RouteAccess, principal: Principal): true {
    const { allowed } = access;
    request.principal = principal; // also for a refusal: the access log names the caller's kind
    setActor(actorOf(principal));
    if (!allowed.includes(principal.kind)) {
      const wanted = allowed.map((k) => KIND_NAMES[k as Principal['kind']]).join(' or ');
      throw new AuthError('FORBIDDEN', `This route is for ${wanted}, not ${KIND_NAMES[principal.kind]}`);
    }
    if (principal.kind === 'admin') {
      const needed = access.adminRole ?? (request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'editor');
      if (ADMIN_ROLES.indexOf(principal.role) < ADMIN_ROLES.indexOf(needed)) {
        throw new AuthError(
          'FORBIDDEN',
          `This route needs the ${needed} role; the admin key of "${principal.name}" has the ${principal.role} role`,
          [{ path: 'role', message: `needs ${needed}, has ${principal.role}` }],
        );
      }
    }
    return true;
  }

  private async authenticate(token: string): Promise<Verified> {
    if (timingSafeEqual(digest(token), this.adminDigest)) return { principal: { kind: 'admin', role: 'owner' }, cache: true, expiresAt: null };
    if (token.startsWith(ADMIN_KEY_PREFIX)) {
      const key = await this.adminKeys.recognise(token);
      if (!key) throw new AuthError('UNAUTHENTICATED', 'Unknown or revoked admin key');
      // Not cached: an admin key's revocation does not go through the change log.
      return { principal: { kind: 'admin', role: key.role, keyId: key.id, name: key.name }, cache: false, expiresAt: null };
    }
    if (token.startsWith(SERVICE_TOKEN_PREFIX)) {
      const service = await this.serviceTokens.recognise(token);
      if (!service) throw new AuthError('UNAUTHENTICATED', 'Unknown or revoked service token');
      return { principal: { kind: 'service', tokenId: service.id, name: service.name }, cache: true, expiresAt: null };
    }
    if (looksLikeUserToken(token)) {
      if (!this.userTokens.enabled) {
        throw new AuthError(
          'UNAUTHENTICATED',
          'User tokens are not accepted: FLOWGATE_USER_TOKEN_SECRET is not set on this server',
        );
      }
      const check = this.userTokens.verify(token);
      if (check.ok) return { principal: { kind: 'user', userId: check.userId }, cache: true, expiresAt: check.expiresAt };
      // An expired token was signed by the host application: not a guess, not counted.
      throw Object.assign(new AuthError('UNAUTHENTICATED', USER_TOKEN_PROBLEMS[check.problem]), {
        expired: check.problem === 'expired',
      });
    }
    throw new AuthError('UNAUTHENTICATED', 'Invalid token');
  }
}

/** A controller method, as Nest's execution context gives it. */
export type RouteHandler = ReturnType<ExecutionContext['getHandler']>;

/** Who may call a route: the kinds of caller, and the admin role it needs (by method when unset). */
export interface RouteAccess {
  readonly allowed: readonly Caller[];
  readonly adminRole: AdminRole | undefined;
}

/** A token's principal, and whether (and until when) `VerifiedTokenCache` may keep it. */
interface Verified {
  principal: Principal;
  cache: boolean;
  expiresAt: number | null;
}

const USER_TOKEN_PROBLEMS = {
  malformed: 'Invalid user token: not an HS256 JWT',
  'bad-signature': 'Invalid user token: the signature does not match',
  expired: 'User token expired: sign in again',
  'bad-claims': 'Invalid user token: `sub` must be a user id and `exp` a number of seconds',
} as const;

export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** Fixed-length digests, so comparing tokens of any length is constant-time. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

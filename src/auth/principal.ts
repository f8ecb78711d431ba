import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AdminRole } from './admin-role';
import { AuthError } from './auth.errors';

/** The authenticated caller of a request, set by the global `AuthGuard`. */
export type Principal =
  /** The bootstrap admin token (`keyId` absent; an owner), or a person's admin key. */
  | { readonly kind: 'admin'; readonly role: AdminRole; readonly keyId?: number; readonly name?: string }
  | { readonly kind: 'service'; readonly tokenId: number; readonly name: string }
  | { readonly kind: 'user'; readonly userId: string };

export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

/** How a principal is written in records it causes (consent events' `actor`). */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'admin':
      return principal.name === undefined ? 'admin' : `admin:${principal.name}`;
    case 'service':
      return `service:${principal.tokenId}`;
    case 'user':
      return `user:${principal.userId}`;
  }
}

/** The caller (`Principal`); routes marked `@Access('public')` have none. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});

/** The end user's id on routes only user tokens reach (`@Access('user')`). */
export const CurrentUserId = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal?.kind !== 'user') throw new Error('CurrentUserId used on a route open to non-user tokens');
  return principal.userId;
});

/**
 * Routes about one user (`/users/:userId/...`) that end users may also call: only for
 * themselves. The answer for another user is the same whether that user exists or not.
 */
export function assertMayActFor(principal: Principal, userId: string): void {
  if (principal.kind === 'user' && principal.userId !== userId) {
    throw new AuthError('FORBIDDEN', 'A user token gives access to its own user only');
  }
}

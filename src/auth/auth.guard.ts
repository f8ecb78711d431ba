import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request } from 'express';
import { ACCESS_KEY, type Caller } from './access.decorator';
import { ADMIN_TOKEN, type AdminTokenSource } from './admin-token';
import { AuthError } from './auth.errors';

/** Global guard: every route is admin-only unless `@Access(...)` says otherwise. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly adminDigest: Buffer;

  constructor(
    private readonly reflector: Reflector,
    @Inject(ADMIN_TOKEN) admin: AdminTokenSource,
  ) {
    this.adminDigest = digest(admin.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const allowed = this.reflector.getAllAndOverride<Caller[] | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]) ?? ['admin'];
    if (allowed.includes('public')) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request);
    if (!token) {
      throw new AuthError('UNAUTHENTICATED', 'Missing bearer token (Authorization: Bearer <token>)');
    }
    if (!timingSafeEqual(digest(token), this.adminDigest)) {
      throw new AuthError('UNAUTHENTICATED', 'Invalid token');
    }
    if (!allowed.includes('admin')) {
      throw new AuthError('FORBIDDEN', 'This route is not for admin tokens');
    }
    return true;
  }
}

export function bearerToken(request: Request): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** Fixed-length digests, so comparing tokens of any length is constant-time. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

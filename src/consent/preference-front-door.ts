import type { INestApplication, PipeTransform } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthGuard, type RouteHandler } from '../auth/auth.guard';
import type { AuthenticatedRequest } from '../auth/principal';
import type { FrontDoorRequest, FrontDoorRoute } from '../common/front-door';
import { createValidationPipe } from '../common/validation.pipe';
import { SetPreferencesDto } from './dto/preferences.dto';
import { MeController } from './me.controller';

/** The one-flow preference write, the consent write path's hot route, as Fastify's router knows it. */
export const PREFERENCE_ROUTE = { method: 'PUT', url: '/api/v1/me/preferences/:flowKey' } as const;
/** The write of several flows at once. */
export const PREFERENCES_ROUTE = { method: 'PUT', url: '/api/v1/me/preferences' } as const;

const PREFIX = '/api/v1/me/preferences/';
/**
 * A flow key the front door takes from the path as it stands: only the characters a key may
 * have (`KEY_PATTERN`'s), so there is nothing Fastify's router would decode (`%`), normalise
 * or find too long (`maxParamLength`); every other form (a trailing slash, an encoded or
 * upper-case key, a key with other characters) goes to Fastify, which answers it as before.
 */
const PLAIN_KEY = /^[a-z0-9.-]{1,201}$/;

/**
 * `PUT /api/v1/me/preferences/:flowKey` for the front door (src/common/front-door.ts), which
 * serves its ordinary requests before Fastify sees them, with what Nest's pipeline runs for
 * the route and nothing else: the global `AuthGuard`'s `authorize` with the access
 * `MeController`'s `@Access('user')` declares (the same 401, 403, 429 and verified-token
 * cache; the caller on `request.principal` and as the request's actor, inside an actor
 * context as Fastify's `preHandler` hook opens one), then the controller's own `setOne` (its
 * hand-written input check, `ConsentService.record`, `Idempotent-Replayed` on a replay),
 * with `Sec-GPC` and `Idempotency-Key` read from the headers as its `@Headers` do. Nest's
 * global validation pipe is a no-op on these parameters (`unknown` and header strings).
 *
 * An answer of 1 KB or more (a 422 listing many unknown keys) is compressed for a client
 * that accepts it, as @fastify/compress would. With `FLOWGATE_ALLOWED_ORIGINS` set, a request
 * that carries `Origin` stays Fastify's (the CORS headers); without `Origin`, CORS adds only
 * `Vary: Origin` to every answer on `/api/v1/me/*`, which this route's answers then carry too.
 */
export function preferenceFrontDoorRoute(app: INestApplication, allowedOrigins: readonly string[]): FrontDoorRoute {
  const controller = app.get(MeController);
  return userWriteRoute(app, allowedOrigins, {
    url: PREFERENCE_ROUTE.url,
    handler: MeController.prototype.setOne,
    match(path) {
      if (!path.startsWith(PREFIX)) return null;
      const flowKey = path.slice(PREFIX.length);
      return PLAIN_KEY.test(flowKey) ? { flowKey } : null;
    },
    write(userId, request, reply) {
      const h = request.headers;
      return controller.setOne(userId, request.params.flowKey, request.body, reply, header(h['sec-gpc']), header(h['idempotency-key']));
    },
  });
}

/**
 * `PUT /api/v1/me/preferences` for the front door, as `preferenceFrontDoorRoute` serves the
 * one-flow write: the same guard, actor context, compression and CORS rule, then the body
 * through the app's global validation pipe (`createValidationPipe`, with `SetPreferencesDto`
 * as Nest hands it the `@Body()`: the same 422s naming each field), then the controller's
 * `setMany`. Only the path itself; its trailing-slash form goes to Fastify.
 */
export function preferencesFrontDoorRoute(app: INestApplication, allowedOrigins: readonly string[]): FrontDoorRoute {
  const controller = app.get(MeController);
  const pipe: PipeTransform = createValidationPipe();
  return userWriteRoute(app, allowedOrigins, {
    url: PREFERENCES_ROUTE.url,
    handler: MeController.prototype.setMany,
    match: (path) => (path === PREFERENCES_ROUTE.url ? NO_PARAMS : null),
    async write(userId, request, reply) {
      const dto = (await pipe.transform(request.body, { type: 'body', metatype: SetPreferencesDto, data: undefined })) as SetPreferencesDto;
      const h = request.headers;
      return controller.setMany(userId, dto, reply, header(h['sec-gpc']), header(h['idempotency-key']));
    },
  });
}

/** What the two write routes differ in: their path, the controller method (its `@Access`) and the write itself. */
interface UserWrite {
  readonly url: string;
  readonly handler: RouteHandler;
  match(path: string): Record<string, string> | null;
  /** The controller's write for the caller, once the guard admitted them (`@CurrentUserId()`). */
  write(userId: string, request: FrontDoorRequest, reply: FastifyReply): unknown;
}

/**
 * A `PUT` on `/api/v1/me/*` as the front door serves it: the global `AuthGuard`'s `authorize`
 * with the access the controller method declares, inside an actor context, compressed from
 * 1 KB, and the CORS rule (with origins configured, requests with `Origin` stay Fastify's and
 * every answer carries `Vary: Origin`).
 */
function userWriteRoute(app: INestApplication, allowedOrigins: readonly string[], route: UserWrite): FrontDoorRoute {
  const guard = app.get(AuthGuard);
  const access = guard.accessOf(route.handler, MeController);
  const cors = allowedOrigins.length > 0;
  const write = (request: FrontDoorRequest, reply: FastifyReply) => {
    // `@CurrentUserId()`: the guard admitted user tokens only.
    const principal = request.principal;
    if (principal?.kind !== 'user') throw new Error('CurrentUserId used on a route open to non-user tokens');
    return route.write(principal.userId, request, reply);
  };
  return {
    method: 'PUT',
    url: route.url,
    match: route.match,
    takes: cors ? (req) => req.headers.origin === undefined : undefined,
    headers: cors ? [['Vary', 'Origin']] : [],
    actorContext: true,
    compress: true,
    handle(request, reply) {
      // The controller's writes read only `header` of their reply (`replayed`).
      const res = reply as unknown as FastifyReply;
      const authorized = guard.authorize(request as unknown as AuthenticatedRequest, access);
      if (authorized !== true) return authorized.then(() => write(request, res));
      return write(request, res);
    },
  };
}

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A header as `@Headers(name)` reads it: Node joins a repeated one into one string (`set-cookie` aside). */
function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

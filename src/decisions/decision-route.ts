import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { INestApplication } from '@nestjs/common';
import { WITHOUT_ACTOR_CONTEXT } from '../auth/actor-context';
import { AuthGuard } from '../auth/auth.guard';
import type { AuthenticatedRequest } from '../auth/principal';
import type { FrontDoorReply, FrontDoorRequest, FrontDoorRoute } from '../common/front-door';
import { DecisionsController } from './decisions.controller';

/** The one route served this way: the single decision, the API's hot path. */
export const DIRECT_DECISION_ROUTE = { method: 'POST', url: '/api/v1/decisions' } as const;

/**
 * `POST /api/v1/decisions` without Nest's per-request pipeline. Nest still declares the
 * route (`DecisionsController.decide`, its decorators, the OpenAPI document) and registers
 * it with Fastify; when it does, this `onRoute` hook swaps the route's handler for one that
 * does what Nest's would, with the same parts and nothing else:
 * - the global `AuthGuard`'s `authorize`, with the access the controller's `@Access` and
 *   `@AdminRoleRequired` declare (read by the guard's own `accessOf`): the same 401, 403,
 *   429 and verified-token cache;
 * - the controller's own `decide` (the hand-written body check and `DecisionsService`);
 * - its answer sent by Fastify with status 200 (the route's `@HttpCode(200)`).
 * An error thrown goes to Fastify's error handler, which Nest points at its exception
 * handler: the global `HttpExceptionFilter` writes the same error body as on any route.
 * Every Fastify hook still runs (request id, security headers, access log and metrics,
 * content type, body limit, `scanJson` and parsing), except the actor context: deciding
 * writes nothing, so no actor is needed (saves AsyncLocalStorage's per-request cost).
 *
 * What this skips is Nest's router proxy, guard and pipe consumers, the global validation
 * pipe (a no-op on this `unknown` body) and the interceptor chain (none here): about a
 * fifth of a decision's server time. Call before `app.init()` (which registers the routes).
 */
export function registerDirectDecisionRoute(
  instance: FastifyInstance,
  app: INestApplication,
  route: FrontDoorRoute = decisionFrontDoorRoute(app),
): void {
  instance.addHook('onRoute', (options: RouteOptions) => {
    if (options.url !== DIRECT_DECISION_ROUTE.url || !methodsOf(options).includes(DIRECT_DECISION_ROUTE.method)) return;
    options.config = { ...(options.config as object | undefined), [WITHOUT_ACTOR_CONTEXT]: true } as RouteOptions['config'];
    // The front door's own handler (guard, then the controller's `decide`): synchronous while the
    // guard and the decision answer from their caches (no promise at all); a thrown error or a
    // rejected promise reaches Fastify's error handler either way.
    options.handler = function directDecision(request: FastifyRequest, reply: FastifyReply) {
      const answer = route.handle(request as unknown as FrontDoorRequest, reply as unknown as FrontDoorReply);
      if (answer instanceof Promise) return answer;
      void reply.code(200).send(answer);
      return undefined;
    };
  });
}

/**
 * The route for the front door (src/common/front-door.ts), which serves its ordinary requests
 * before Fastify sees them: `/api/v1/decisions` (or with the trailing slash Fastify ignores).
 * Its `handle` is the one decision handler: `registerDirectDecisionRoute` gives it to Fastify
 * for the requests the front door leaves to Fastify.
 */
export function decisionFrontDoorRoute(app: INestApplication): FrontDoorRoute {
  const guard = app.get(AuthGuard);
  const controller = app.get(DecisionsController);
  const access = guard.accessOf(DecisionsController.prototype.decide, DecisionsController);
  const { url } = DIRECT_DECISION_ROUTE;
  const slashed = `${url}/`;
  return {
    method: DIRECT_DECISION_ROUTE.method,
    url,
    match: (path) => (path === url || path === slashed ? NO_PARAMS : null),
    handle(request) {
      const authorized = guard.authorize(request as unknown as AuthenticatedRequest, access);
      if (authorized !== true) return authorized.then(() => controller.decide(request.body));
      return controller.decide(request.body);
    },
  };
}

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function methodsOf(route: RouteOptions): readonly string[] {
  return Array.isArray(route.method) ? route.method : [route.method];
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

/**
 * Who is acting, for the records a change leaves (map history, token changes): set by the
 * auth guard for a request, by the CLI for a command. Held in AsyncLocalStorage so every
 * write path (REST, manifest import, CLI) records it without passing it through each call.
 */
const storage = new AsyncLocalStorage<{ actor: string }>();

/**
 * Each request starts with no actor (`anonymous`) until the guard knows it. Entered in
 * Fastify's `preHandler` hook, the last one before the handler, which Fastify calls
 * synchronously from it: Nest's guards, pipes and handler all run inside (an earlier hook
 * would lose the context across the asynchronous body read).
 */
export function registerActorContext(instance: FastifyInstance): void {
  instance.addHook('preHandler', (request, _reply, done) => {
    if ((request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[WITHOUT_ACTOR_CONTEXT] === true) return done();
    storage.run({ actor: 'anonymous' }, done);
  });
}

/**
 * Runs `work` in a fresh request context (`anonymous` until the guard names the caller), as
 * the `preHandler` hook above does: for the routes served in front of Fastify (src/common/front-door.ts).
 */
export function inActorContext<T>(work: () => T): T {
  return storage.run({ actor: 'anonymous' }, work);
}

/**
 * A route config key: `true` on a route that records nothing (the decision route), so its
 * requests run without an actor context (AsyncLocalStorage costs each request that enters it).
 */
export const WITHOUT_ACTOR_CONTEXT = 'flowgateWithoutActorContext';

/** Names the actor of the current request (the guard calls this once it knows the caller). */
export function setActor(actor: string): void {
  const store = storage.getStore();
  if (store) store.actor = actor;
}

/** The current actor; `fallback` outside any request or command (the seeder at boot). */
export function currentActor(fallback = 'system'): string {
  return storage.getStore()?.actor ?? fallback;
}

/** Runs `work` as `actor` (CLI commands). */
export function runAs<T>(actor: string, work: () => Promise<T>): Promise<T> {
  return storage.run({ actor }, work);
}

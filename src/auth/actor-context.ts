import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';

/**
 * Who is acting, for the records a change leaves (map history, token changes): set by the
 * auth guard for a request, by the CLI for a command. Held in AsyncLocalStorage so every
 * write path (REST, manifest import, CLI) records it without passing it through each call.
 */
const storage = new AsyncLocalStorage<{ actor: string }>();

/** Express middleware: each request starts with no actor (`anonymous`) until the guard knows it. */
export function actorContext() {
  return (_req: Request, _res: Response, next: NextFunction): void => storage.run({ actor: 'anonymous' }, next);
}

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

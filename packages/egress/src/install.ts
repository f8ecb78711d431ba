import { FlowgateError, type Guard } from '@flowgate/sdk';
import { countInstall, installedCount } from '@flowgate/sdk/internal';
import { EgressEngine, type EgressGuardOptions } from './engine.js';
import { hookFetch } from './fetch-hook.js';
import { hookHttp } from './http-hook.js';

/**
 * Puts `guard` in front of every outbound HTTP request of the process: Node's `fetch`
 * (undici's global dispatcher) and node:http / node:https (`request`, `get`), so axios,
 * node-fetch, got and vendor SDKs are covered without touching a call site. A request goes
 * to the subprocessor whose `endpoints` (in the data map) match its host and path; its user
 * comes from the scope `runAs(userId, fn)` (or the Nest interceptor / Express middleware)
 * opened. Returns `uninstall()`. One egress guard per process.
 */
export function installEgressGuard(guard: Guard, options: EgressGuardOptions = {}): () => void {
  if (typeof guard !== 'object' || guard === null || typeof guard.gate !== 'function') {
    throw new FlowgateError(
      'INVALID_OPTIONS',
      'installEgressGuard needs a guard (createGuard(...))',
    );
  }
  if (installedCount() > 0) {
    throw new FlowgateError(
      'INVALID_OPTIONS',
      'an egress guard is installed already: uninstall it first',
    );
  }
  const log = options.log ?? ((line: string) => console.info(`[flowgate] ${line}`));
  const engine = new EgressEngine(guard, options, log);
  const undo: (() => void)[] = [];
  if (options.http !== false) undo.push(hookHttp(engine));
  if (options.fetch !== false) {
    const unhook = hookFetch(engine);
    if (unhook === null)
      engine.say('egress guard: no global fetch dispatcher found, so fetch is not guarded');
    else undo.push(unhook);
  }
  countInstall(1);
  const policy = guard.options.source.state()?.policy;
  if (policy === undefined)
    engine.say('egress guard installed; endpoints are listed once a policy is loaded');
  else engine.list(policy);
  let installed = true;
  return function uninstall(): void {
    if (!installed) return;
    installed = false;
    for (const fn of undo.reverse()) fn();
    countInstall(-1);
  };
}

/**
 * A host service in its own process: a remote-source guard, driven over IPC by the test
 * (`guard-client.ts`). Run with `node -r ts-node/register/transpile-only`.
 */
import { createGuard, isFlowgateError, remoteSource, type CheckRequest, type ConsentDeniedError } from '@flowgate/sdk';

const wall = (): number => performance.timeOrigin + performance.now();
const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(String(reason)));
process.on('uncaughtException', (error) => unhandled.push(`uncaught: ${String(error)}`));

const errors: string[] = [];
const source = remoteSource({
  baseUrl: process.env.FLOWGATE_URL!,
  token: process.env.FLOWGATE_TOKEN!,
  reconnectDelayMs: 50,
  maxReconnectDelayMs: 200,
  requestTimeoutMs: 1000,
  onError: (e) => errors.push(String(e)),
});
const guard = createGuard({ source, maxStalenessMs: Number(process.env.MAX_STALENESS_MS ?? 30_000) });

/** Users whose consent changes are timed: when the feed's event was applied, when a check saw it. */
const watched = new Set<string>();
source.subscribe((change) => {
  if (change.kind !== 'consent' || !watched.has(change.userId)) return;
  const appliedAt = wall();
  const request = JSON.parse(process.env.WATCH_REQUEST ?? '{}') as Omit<CheckRequest, 'userId'>;
  void guard.check({ ...request, userId: change.userId }).then((d) =>
    process.send?.({ type: 'seen', userId: change.userId, version: change.version, appliedAt, decidedAt: wall(), allow: d.allow }),
  );
});

type Command =
  | { id: number; cmd: 'ready' }
  | { id: number; cmd: 'check'; request: CheckRequest }
  | { id: number; cmd: 'waitFor'; request: CheckRequest; allow: boolean; timeoutMs: number }
  | { id: number; cmd: 'call'; url: string; request: CheckRequest & { payload: unknown } }
  | { id: number; cmd: 'watch'; userIds: string[] }
  | { id: number; cmd: 'status' }
  | { id: number; cmd: 'close' };

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'ready':
      await guard.ready({ timeoutMs: 20_000 });
      return { ok: true };
    case 'check':
      return guard.check(command.request);
    case 'waitFor': {
      const started = wall();
      for (;;) {
        const decision = await guard.check(command.request);
        if (decision.allow === command.allow) return { elapsedMs: wall() - started, at: wall(), decision };
        if (wall() - started > command.timeoutMs) return { timedOut: true, decision };
        await new Promise((r) => setImmediate(r));
      }
    }
    case 'call': {
      const { userId, subprocessor, purpose, payload } = command.request;
      try {
        const res = await guard.fetch(
          command.url,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) },
          { userId, subprocessor, purpose },
        );
        await res.arrayBuffer();
        return { sent: true };
      } catch (error) {
        if (isFlowgateError(error) && error.code === 'CONSENT_DENIED') return { sent: false, reasons: (error as ConsentDeniedError).reasons };
        throw error;
      }
    }
    case 'watch':
      command.userIds.forEach((u) => watched.add(u));
      return { ok: true };
    case 'status':
      return { ...source.status(), unhandled, errors: errors.length };
    case 'close':
      await guard.close();
      setImmediate(() => process.exit(0));
      return { ok: true };
  }
}

process.on('message', (command: Command) => {
  handle(command).then(
    (result) => process.send?.({ type: 'reply', id: command.id, result }),
    (error: unknown) => process.send?.({ type: 'reply', id: command.id, error: String(error) }),
  );
});
process.send?.({ type: 'started' });

import { fork, type ChildProcess } from 'node:child_process';
import type { CheckRequest, Decision } from '@flowgate/sdk';

export interface SeenMessage {
  type: 'seen';
  userId: string;
  version: number;
  /** Wall-clock ms when the guard applied the feed's event, and when a check returned the new state. */
  appliedAt: number;
  decidedAt: number;
  allow: boolean;
}

export interface GuardProcess {
  ready(): Promise<void>;
  check(request: CheckRequest): Promise<Decision>;
  waitFor(request: CheckRequest, allow: boolean, timeoutMs: number): Promise<{ elapsedMs?: number; at?: number; timedOut?: boolean; decision: Decision }>;
  call(url: string, request: CheckRequest & { payload: unknown }): Promise<{ sent: boolean; reasons?: string[] }>;
  watch(userIds: string[]): Promise<void>;
  status(): Promise<{ connected: boolean; lastEventId: string | null; policyVersion: number | null; cachedUsers: number; unhandled: string[]; errors: number }>;
  onSeen(listener: (message: SeenMessage) => void): void;
  close(): Promise<void>;
}

/** Starts `guard-process.ts` in a child process and talks to it over IPC. */
export async function startGuardProcess(env: Record<string, string>): Promise<GuardProcess> {
  const child: ChildProcess = fork('test/sdk/support/guard-process.ts', [], {
    cwd: process.cwd(),
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: 'tsconfig.json', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const seenListeners: ((m: SeenMessage) => void)[] = [];
  let next = 1;
  const started = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`guard process exited with ${code}`)));
    child.on('message', (message: { type: string; id?: number; result?: unknown; error?: string }) => {
      if (message.type === 'started') resolve();
      else if (message.type === 'seen') seenListeners.forEach((l) => l(message as unknown as SeenMessage));
      else if (message.type === 'reply' && message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.result);
      }
    });
  });
  await started;
  const send = <T>(command: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...command, id });
    });
  return {
    ready: () => send({ cmd: 'ready' }),
    check: (request) => send({ cmd: 'check', request }),
    waitFor: (request, allow, timeoutMs) => send({ cmd: 'waitFor', request, allow, timeoutMs }),
    call: (url, request) => send({ cmd: 'call', url, request }),
    watch: (userIds) => send({ cmd: 'watch', userIds }),
    status: () => send({ cmd: 'status' }),
    onSeen: (listener) => seenListeners.push(listener),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await send({ cmd: 'close' }).catch(() => undefined);
      await exited;
    },
  };
}

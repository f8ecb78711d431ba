import {
  compileConsents,
  compilePolicy,
  parseConsentsResponse,
  parseFeedEvent,
  parsePolicyResponse,
  type Consents,
  type Policy,
} from '@flowgate/core';
import type { IncomingMessage } from 'node:http';
import { ConsentCache, type ConsentRecord } from '../consent-cache.js';
import { FlowgateError } from '../errors.js';
import { sensitivitiesOf, type PolicySource, type PolicyState } from '../policy-source.js';
import { serverBaseUrl } from '../server-url.js';
import { SseParser, type SseEvent } from '../sse.js';
import { withoutEgressGuard } from '../egress/scope.js';
import { count, type MetricsHook } from '../metrics.js';

export interface RemoteSourceOptions {
  /** The Flowgate server, e.g. `https://flowgate.internal`. */
  readonly baseUrl: string;
  /** A service token (`POST /api/v1/service-tokens`). */
  readonly token: string;
  /** Users whose consents are kept (least recently used dropped first). Default 100,000. */
  readonly cacheSize?: number;
  /** Of those, users kept compiled for the current policy. Default 4,096. */
  readonly hotUsers?: number;
  /** Per HTTP request (policy, consents). Default 5,000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * The feed is reconnected after this long without a byte (the server sends a heartbeat
   * every 5 s). Default 20,000 ms: below the guard's default `maxStalenessMs` (30 s), so a
   * silent feed is replaced before the policy goes stale. Staleness itself counts from the
   * last event or heartbeat heard, whatever this is.
   */
  readonly idleTimeoutMs?: number;
  /** First reconnection delay, doubled per failed attempt up to `maxReconnectDelayMs`. Defaults 250 and 5,000 ms. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /** Called with each failure (for the host's logs); must not throw. */
  readonly onError?: (error: unknown) => void;
}

/** What a remote source just applied: for metrics and tests. */
export type SourceChange =
  | { readonly kind: 'connected'; readonly lastEventId: string }
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'policy'; readonly version: number }
  | { readonly kind: 'consent'; readonly userId: string; readonly version: number }
  | { readonly kind: 'reset' };

export interface RemoteSource extends PolicySource {
  /** Calls `listener` after each change is applied; returns the unsubscribe function. */
  subscribe(listener: (change: SourceChange) => void): () => void;
  /** How the source is doing. */
  status(): { connected: boolean; lastEventId: string | null; policyVersion: number | null; cachedUsers: number };
}

/** Reads of one user's consents retried when the feed announced a newer version meanwhile. */
const MAX_READS = 3;

/**
 * A policy source for any Node service: the compiled policy from `GET /api/v1/policy`
 * (ETag), each user's consents from `GET /api/v1/users/:id/consents` into a bounded LRU,
 * and `GET /api/v1/changes` (server-sent events) to drop exactly what changed — resumed
 * with `Last-Event-ID` after a disconnect, so nothing is missed.
 *
 * A consent event removes the user's cached consents before anything else can read them
 * (an opt-out in the feed always wins over a cached grant) and refetches them in the
 * background; a read that started before the event and returns an older version is
 * thrown away and read again. While the feed is down the last policy stays usable for the
 * guard's `maxStalenessMs`, then every call fails closed.
 */
export function remoteSource(options: RemoteSourceOptions): RemoteSource {
  return new RemotePolicySource(options);
}

class RemotePolicySource implements RemoteSource {
  private readonly base: string;
  private readonly cache: ConsentCache;
  private readonly requestTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly listeners = new Set<(change: SourceChange) => void>();

  private current: PolicyState | null = null;
  private etag: string | null = null;
  private connected = false;
  private lastEventId: string | null = null;
  private lastActivity = 0;
  /** When the feed last delivered an event or a heartbeat. */
  private lastHeard = 0;
  /** Bumped when cached consents can no longer be trusted (reset, unresumed reconnect). */
  private epoch = 0;
  private readonly loads = new Map<string, Promise<ConsentRecord>>();
  /** Highest consent version the feed announced for users being read right now. */
  private readonly announced = new Map<string, number>();

  private started: Promise<void> | null = null;
  private firstPolicy!: Promise<void>;
  private resolveFirstPolicy!: () => void;
  private rejectFirstPolicy!: (error: FlowgateError) => void;
  /** The last failure, for `ready()`'s message while no policy was ever loaded. */
  private lastFailure: unknown = null;
  private policyLoad: Promise<void> | null = null;
  private policyAgain = false;
  private closed = false;
  private controller: AbortController | null = null;
  private sleeper: { timer: ReturnType<typeof setTimeout>; wake: () => void } | null = null;

  constructor(private readonly options: RemoteSourceOptions) {
    const base = serverBaseUrl(options?.baseUrl, 'remoteSource baseUrl');
    if (typeof options.token !== 'string' || options.token === '') {
      throw new FlowgateError('INVALID_OPTIONS', 'remoteSource token: must be a service token (POST /api/v1/service-tokens)');
    }
    this.base = base;
    this.cache = new ConsentCache({ maxUsers: options.cacheSize ?? 100_000, hotUsers: options.hotUsers });
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 20_000;
    this.minDelay = options.reconnectDelayMs ?? 250;
    this.maxDelay = Math.max(this.minDelay, options.maxReconnectDelayMs ?? 5_000);
    this.firstPolicy = new Promise<void>((resolve, reject) => {
      this.resolveFirstPolicy = resolve;
      this.rejectFirstPolicy = reject;
    });
    // Rejections are for whoever awaits start(); an unobserved one must not crash the host.
    this.firstPolicy.catch(() => undefined);
  }

  // ── PolicySource ──────────────────────────────────────────────────────────────
  start(): Promise<void> {
    if (this.started === null) {
      this.started = this.firstPolicy;
      void this.refreshPolicy().catch((error: unknown) => this.fail(error));
      void this.run();
    }
    return this.started;
  }

  lastError(): unknown {
    return this.lastFailure;
  }

  state(): PolicyState | null {
    return this.current;
  }

  cachedConsents(userId: string, policy: Policy): Consents | undefined {
    return this.cache.get(userId, policy);
  }

  async loadConsents(userId: string, policy: Policy): Promise<Consents> {
    if (this.closed) throw new FlowgateError('POLICY_UNAVAILABLE', 'The remote source is closed');
    const record = await this.read(userId);
    return this.cache.get(userId, policy) ?? compileConsents(policy, record.choices, { gpc: record.gpc });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current = null;
    this.controller?.abort();
    this.wake();
    await Promise.allSettled([...this.loads.values(), this.policyLoad]);
  }

  subscribe(listener: (change: SourceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A guard's metrics hook: policy versions loaded, feed drops, and reconnects (a connect after the first). */
  observe(hook: MetricsHook): () => void {
    let connectedBefore = this.connected;
    return this.subscribe((change) => {
      if (change.kind === 'policy') count(hook, { kind: 'policy-refresh', version: change.version });
      else if (change.kind === 'disconnected') count(hook, { kind: 'feed-disconnect' });
      else if (change.kind === 'connected') {
        if (connectedBefore) count(hook, { kind: 'feed-reconnect' });
        connectedBefore = true;
      }
    });
  }

  status() {
    return {
      connected: this.connected,
      lastEventId: this.lastEventId,
      policyVersion: this.current?.policy.version ?? null,
      cachedUsers: this.cache.size,
    };
  }

  // ── consents ────────────────────────────────────────────────────────────────
  /** One read per user at a time; concurrent checks share it. */
  private read(userId: string): Promise<ConsentRecord> {
    let load = this.loads.get(userId);
    if (load === undefined) {
      load = this.readFresh(userId).finally(() => {
        this.loads.delete(userId);
        this.announced.delete(userId);
      });
      this.loads.set(userId, load);
    }
    return load;
  }

  private async readFresh(userId: string): Promise<ConsentRecord> {
    for (let attempt = 1; ; attempt++) {
      const epoch = this.epoch;
      const body = parseConsentsResponse(await this.getJson(`/api/v1/users/${encodeURIComponent(userId)}/consents`));
      const record: ConsentRecord = { choices: body.choices, gpc: body.gpc };
      const stale = body.version < (this.announced.get(userId) ?? -1) || epoch !== this.epoch;
      if (!stale) {
        if (!this.closed) this.cache.set(userId, record);
        return record;
      }
      if (attempt >= MAX_READS) {
        throw new FlowgateError('POLICY_UNAVAILABLE', `Consents of a user kept changing while being read (${MAX_READS} reads)`);
      }
    }
  }

  private onConsentChange(userId: string, version: number): void {
    const wasCached = this.cache.delete(userId);
    if (this.loads.has(userId)) {
      this.announced.set(userId, Math.max(version, this.announced.get(userId) ?? -1));
    } else if (wasCached) {
      // Keep a user who was in use warm: read the new state now, not on their next call.
      void this.read(userId).catch((error: unknown) => this.fail(error));
    }
    this.emit({ kind: 'consent', userId, version });
  }

  private forgetAllConsents(): void {
    this.epoch++;
    this.cache.clear();
  }

  // ── policy ──────────────────────────────────────────────────────────────────
  /** Fetches the policy (If-None-Match); a refresh asked for meanwhile runs once more after. */
  private refreshPolicy(): Promise<void> {
    if (this.policyLoad !== null) {
      this.policyAgain = true;
      return this.policyLoad;
    }
    this.policyLoad = (async () => {
      try {
        do {
          this.policyAgain = false;
          await this.fetchPolicy();
        } while (this.policyAgain && !this.closed);
      } finally {
        this.policyLoad = null;
      }
    })();
    return this.policyLoad;
  }

  private async fetchPolicy(): Promise<void> {
    const headers: Record<string, string> = {};
    if (this.etag !== null && this.current !== null) headers['if-none-match'] = this.etag;
    const res = await this.request('/api/v1/policy', headers);
    if (this.closed) return;
    if (res.status === 304 && this.current !== null) {
      await res.arrayBuffer().catch(() => undefined);
      this.current = { ...this.current, confirmedAt: Date.now(), live: this.connected };
      return;
    }
    if (res.status === 401 || res.status === 403) throw this.authFailed(res, '/api/v1/policy');
    if (!res.ok) throw await httpError(res, '/api/v1/policy');
    const body = parsePolicyResponse(await res.json());
    const map = body.map;
    const policy = compilePolicy(map);
    if (this.closed) return;
    const previous = this.current?.policy.version;
    this.current = { policy, sensitivities: sensitivitiesOf(map), confirmedAt: Date.now(), live: this.connected, heardAt: this.lastHeard };
    this.etag = res.headers.get('etag') ?? (body.etag !== '' ? body.etag : null);
    this.resolveFirstPolicy();
    if (previous !== policy.version) this.emit({ kind: 'policy', version: policy.version });
  }

  /** The feed announced a newer policy: keep the current one (while fresh) until it is fetched. */
  private onPolicyChange(version: number): void {
    if (this.current !== null && this.current.policy.version === version) return;
    if (this.current !== null) this.current = { ...this.current, live: false, confirmedAt: Date.now() };
    void this.refreshPolicy().catch((error: unknown) => this.fail(error));
  }

  // ── change feed ─────────────────────────────────────────────────────────────
  private async run(): Promise<void> {
    let delay = this.minDelay;
    while (!this.closed) {
      const controller = new AbortController();
      this.controller = controller;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        this.lastActivity = Date.now();
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          silent = true;
          controller.abort(new Error(`change feed silent for ${this.idleTimeoutMs} ms`));
        }, this.idleTimeoutMs);
        watchdog.unref();
      };
      let ready = false;
      let silent = false;
      try {
        const resumeFrom = this.lastEventId;
        const headers: Record<string, string> = {
          authorization: `Bearer ${this.options.token}`,
          accept: 'text/event-stream',
        };
        if (resumeFrom !== null) headers['last-event-id'] = resumeFrom;
        arm();
        const res = await this.openFeed(headers, controller.signal);
        if (res.statusCode === 401 || res.statusCode === 403) throw this.authFailed(res, '/api/v1/changes');
        if (res.statusCode !== 200) {
          res.resume();
          throw new Error(`GET ${this.base}/api/v1/changes: HTTP ${res.statusCode}`);
        }
        const parser = new SseParser({
          onEvent: (event) => {
            if (this.onEvent(event, resumeFrom !== null)) {
              ready = true;
              delay = this.minDelay;
            }
          },
          onRetry: (ms) => {
            delay = Math.min(Math.max(ms, this.minDelay), this.maxDelay);
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of res as AsyncIterable<Uint8Array>) {
          arm();
          parser.push(decoder.decode(chunk, { stream: true }));
          if (this.closed) break;
        }
        if (!this.closed) throw new Error('change feed ended');
      } catch (error) {
        if (!this.closed) this.fail(error);
      } finally {
        clearTimeout(watchdog);
      }
      // A closed connection was good until now; a silent one only until it was last heard.
      this.onDisconnect(silent ? Math.min(this.lastActivity, this.lastHeard || this.lastActivity) : Date.now());
      if (this.closed) break;
      await this.sleep(ready ? this.minDelay : delay);
      if (!ready) delay = Math.min(delay * 2, this.maxDelay);
    }
  }

  /** Applies one feed event; true for `ready`. */
  private onEvent(sse: SseEvent, resumed: boolean): boolean {
    const event = parseFeedEvent(sse.event, sse.data);
    if (event === null) {
      // Unknown kinds are for newer clients; a known kind with bad data is worth a log line.
      if (['policy', 'consent', 'ready', 'reset', 'heartbeat'].includes(sse.event)) this.fail(new Error(`change feed: unreadable ${sse.event} event`));
      return false;
    }
    if (sse.lastEventId !== '') this.lastEventId = sse.lastEventId;
    this.heard();
    switch (event.kind) {
      case 'heartbeat':
        return false;
      case 'consent':
        this.onConsentChange(event.userId, event.version);
        return false;
      case 'policy':
        this.onPolicyChange(event.version);
        return false;
      case 'reset':
        this.forgetAllConsents();
        this.onPolicyChange(Number.NaN);
        this.emit({ kind: 'reset' });
        return false;
      case 'ready': {
        // Not resumed: changes made before this stream began may be missing from the cache.
        if (!resumed) this.forgetAllConsents();
        this.connected = true;
        if (this.current !== null && this.current.policy.version === event.policyVersion) {
          this.current = { ...this.current, live: true, confirmedAt: Date.now(), heardAt: Date.now() };
        } else {
          this.onPolicyChange(event.policyVersion);
        }
        this.emit({ kind: 'connected', lastEventId: this.lastEventId ?? '' });
        return true;
      }
    }
  }

  /** The feed spoke: a live policy is confirmed up to now. */
  private heard(): void {
    this.lastHeard = Date.now();
    if (this.current !== null && this.current.live) this.current = { ...this.current, heardAt: this.lastHeard };
  }

  private onDisconnect(confirmedAt: number): void {
    const was = this.connected;
    this.connected = false;
    if (this.current !== null && this.current.live) {
      this.current = { ...this.current, live: false, confirmedAt };
    }
    if (was) this.emit({ kind: 'disconnected' });
  }

  // ── plumbing ────────────────────────────────────────────────────────────────
  private async getJson(path: string): Promise<unknown> {
    const res = await this.request(path, {});
    if (!res.ok) throw await httpError(res, path);
    return res.json();
  }

  private async request(path: string, headers: Record<string, string>): Promise<Response> {
    try {
      // Plumbing: the egress guard (if installed) lets calls to the Flowgate server pass.
      return await withoutEgressGuard(() =>
        fetch(`${this.base}${path}`, {
          headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json', ...headers },
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        }),
      );
    } catch (error) {
      // fetch says only "fetch failed"; the cause (ECONNREFUSED, ENOTFOUND, a timeout) is what helps.
      const cause = (error as { cause?: { message?: string; code?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new Error(`cannot reach the Flowgate server at ${this.base}${path}: ${why}`, { cause: error });
    }
  }

  /**
   * The change feed over node:http(s), its socket unref'd: a script that has done its work
   * exits without `close()`, while the feed keeps running for as long as the process does.
   */
  private async openFeed(headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(`${this.base}/api/v1/changes`);
    // Loaded on first use: node:http and node:https cost ~20 ms each to import, a third of
    // the SDK's import time otherwise.
    const { request: send } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return new Promise((resolve, reject) => {
      const req = withoutEgressGuard(() => send(url, { headers, signal, agent: false }, resolve));
      req.on('socket', (socket) => socket.unref());
      req.on('error', (error) => reject(new Error(`cannot reach the Flowgate server at ${url}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, { cause: error })));
      req.end();
    });
  }

  /** 401/403: the token is wrong or revoked. Stops the source; `ready()` rejects at once. */
  private authFailed(res: { status?: number; statusCode?: number }, path: string): FlowgateError {
    const status = res.status ?? res.statusCode;
    const error = new FlowgateError(
      'AUTH_FAILED',
      `The Flowgate server at ${this.base} refused the service token (HTTP ${status} on ${path}): check remoteSource({ token }) and that the token is not revoked`,
    );
    this.lastFailure = error;
    this.rejectFirstPolicy(error);
    void this.close();
    return error;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const jittered = Math.round(ms * (0.8 + Math.random() * 0.4));
      const timer = setTimeout(() => {
        this.sleeper = null;
        resolve();
      }, jittered);
      timer.unref();
      this.sleeper = { timer, wake: resolve };
    });
  }

  private wake(): void {
    if (this.sleeper === null) return;
    clearTimeout(this.sleeper.timer);
    this.sleeper.wake();
    this.sleeper = null;
  }

  private emit(change: SourceChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.fail(error);
      }
    }
  }

  private fail(error: unknown): void {
    this.lastFailure = error;
    try {
      this.options.onError?.(error);
    } catch {
      // A broken log callback must not break the source.
    }
  }
}

async function httpError(res: Response, path: string): Promise<Error> {
  const text = await res.text().catch(() => '');
  return new Error(`GET ${path}: HTTP ${res.status}${text ? ` ${text.slice(0, 200)}` : ''}`);
}

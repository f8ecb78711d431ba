import type { INestApplicationContext } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { ConsentsCache } from '../consent/consent-cache.service';
import { ConsentService } from '../consent/consent.service';
import { PolicyService, type PolicySnapshot } from './policy.service';
import { compileConsents, type Consents, type Policy } from '@flowgate/core';
import { FlowgateError, type PolicySource, type PolicyState } from '@flowgate/sdk';
import { ConsentCache, type ConsentRecord } from '@flowgate/sdk/internal';

export interface LocalSourceOptions {
  /** Users whose consents are kept compiled (least recently used dropped first). Default 100,000. */
  readonly cacheSize?: number;
}

/**
 * A policy source inside a Flowgate Nest app: reads through `PolicyService` and the
 * consent cache, and is updated by their in-process change events at once — a consent
 * written by `ConsentService` is seen by the very next check (read-your-writes), without
 * HTTP or the SSE feed. (It is the one part of `flowgate/sdk/nest` that uses the server's
 * own services; other host apps use `remoteSource`.)
 */
export function localSource(app: INestApplicationContext, options: LocalSourceOptions = {}): PolicySource {
  return new LocalPolicySource(app, options);
}

class LocalPolicySource implements PolicySource {
  private policies!: PolicyService;
  private consentsCache!: ConsentsCache;
  private consent!: ConsentService;
  private readonly cache: ConsentCache;
  private current: PolicyState | null = null;
  private subscriptions: Subscription[] = [];
  private started: Promise<void> | null = null;
  private closed = false;
  private readonly loads = new Map<string, Promise<ConsentRecord>>();
  /** Users whose consents changed while being read: such a read must not fill the cache. */
  private readonly changedDuringLoad = new Set<string>();

  constructor(
    private readonly app: INestApplicationContext,
    options: LocalSourceOptions,
  ) {
    this.cache = new ConsentCache({ maxUsers: options.cacheSize ?? 100_000 });
  }

  start(): Promise<void> {
    this.started ??= (async () => {
      this.policies = this.app.get(PolicyService, { strict: false });
      this.consentsCache = this.app.get(ConsentsCache, { strict: false });
      this.consent = this.app.get(ConsentService, { strict: false });
      this.subscriptions.push(
        this.policies.changes.subscribe((snapshot) => this.use(snapshot)),
        this.consent.changes.subscribe(({ userId }) => {
          this.cache.delete(userId);
          if (this.loads.has(userId)) this.changedDuringLoad.add(userId);
        }),
      );
      this.use(await this.policies.current());
    })();
    return this.started;
  }

  state(): PolicyState | null {
    return this.current;
  }

  cachedConsents(userId: string, policy: Policy): Consents | undefined {
    return this.cache.get(userId, policy);
  }

  async loadConsents(userId: string, policy: Policy): Promise<Consents> {
    if (this.closed) throw new FlowgateError('POLICY_UNAVAILABLE', 'The local source is closed');
    let load = this.loads.get(userId);
    if (load === undefined) {
      load = this.read(userId).finally(() => {
        this.loads.delete(userId);
        this.changedDuringLoad.delete(userId);
      });
      this.loads.set(userId, load);
    }
    const record = await load;
    return this.cache.get(userId, policy) ?? compileConsents(policy, record.choices, { gpc: record.gpc });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current = null;
    this.subscriptions.forEach((s) => s.unsubscribe());
    this.subscriptions = [];
    this.cache.clear();
  }

  private async read(userId: string): Promise<ConsentRecord> {
    for (;;) {
      this.changedDuringLoad.delete(userId);
      const state = await this.consentsCache.state(userId);
      const record: ConsentRecord = {
        choices: [...state.choices].map(([flowKey, c]) => [flowKey, { granted: c.choice === 'granted', version: c.flowVersion }] as const),
        gpc: state.gpc,
      };
      if (!this.changedDuringLoad.has(userId)) {
        if (!this.closed) this.cache.set(userId, record);
        return record;
      }
    }
  }

  /** A map that does not compile leaves no policy: every call fails closed. */
  private use(snapshot: PolicySnapshot): void {
    if (this.closed) return;
    if (snapshot.policy === null) {
      this.current = null;
      return;
    }
    if (this.current?.policy === snapshot.policy) return;
    this.current = {
      policy: snapshot.policy,
      sensitivities: new Map(snapshot.map.fields.map((f) => [f.key, f.sensitivity])),
      confirmedAt: Date.now(),
      live: true,
    };
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { filter, Subject, type Observable, type Subscription } from 'rxjs';
import { DataMapService } from '../data-map/data-map.service';
import type { StoredMap } from '../data-map/data-map.store';
import { ChangeLogService } from './change-log.service';
import { compilePolicy, type Policy, type PolicyMap } from '@flowgate/core';
import { toPolicyMap } from './policy-map';

/** One compiled data-map version: what the decision API uses and `GET /api/v1/policy` serves. */
export interface PolicySnapshot {
  readonly version: number;
  /** The stored map this policy was compiled from (manifest, flow versions, `since`). */
  readonly stored: StoredMap;
  /** The engine's input: SDKs fetch it and run `compilePolicy` on it themselves. */
  readonly map: PolicyMap;
  /** Null when the stored map breaks an engine invariant: decisions then fail closed. */
  readonly policy: Policy | null;
  /** Strong ETag of `map`. */
  readonly etag: string;
}

/**
 * The compiled policy, cached and driven by the change log: every map change, whichever
 * process made it (another instance, the CLI's `flowgate import`), appends a `policy`
 * entry in its transaction; the follower delivers it here and the next `current()` loads
 * and compiles the new version. A change made in this process is seen at once (the
 * entry is published on commit). `changes` emits each newly compiled version.
 */
@Injectable()
export class PolicyService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Policy');
  private snapshot: PolicySnapshot | null = null;
  private loading: Promise<PolicySnapshot> | null = null;
  private queued: Promise<PolicySnapshot> | null = null;
  private subscriptions: Subscription[] = [];
  private closed = false;
  /** Bumped for each announced map version not compiled yet; `loaded`: as of the last load. */
  private wanted = 0;
  private loaded = 0;
  private readonly subject = new Subject<PolicySnapshot>();
  /** Emits each newly compiled policy version. */
  readonly changes: Observable<PolicySnapshot> = this.subject.asObservable();

  constructor(
    private readonly dataMap: DataMapService,
    private readonly changeLog: ChangeLogService,
  ) {}

  onModuleInit(): void {
    this.subscriptions = [
      this.changeLog.live.pipe(filter((e) => e.kind === 'policy')).subscribe((e) => {
        if ((this.snapshot?.version ?? -1) >= e.version) return;
        this.wanted++;
        if (!this.closed) void this.refresh().catch((error: unknown) => this.logger.error(String(error)));
      }),
    ];
  }

  /** Compiles the stored map, and puts its version in the log if a database predates that. */
  async onApplicationBootstrap(): Promise<void> {
    const snapshot = await this.refresh();
    await this.changeLog.announcePolicy(snapshot.version);
  }

  /** Stops following the log and lets a running compile finish before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    await Promise.allSettled([this.loading, this.queued]);
    this.subject.complete();
  }

  /** The cached policy, with no query; after the log announced a new version, that one. */
  async current(): Promise<PolicySnapshot> {
    return this.cached() ?? this.refresh();
  }

  /** What `current()` answers without waiting, when it can (the cached policy is the announced one); else null. */
  cached(): PolicySnapshot | null {
    return this.snapshot !== null && this.wanted === this.loaded ? this.snapshot : null;
  }

  /**
   * The policy of the stored map version (compiling it if it is new). A refresh asked for
   * while one runs starts once that one ends, so a change made meanwhile is not missed.
   */
  refresh(): Promise<PolicySnapshot> {
    if (this.loading !== null) {
      this.queued ??= this.loading
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.refresh();
        });
      return this.queued;
    }
    this.loading = this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<PolicySnapshot> {
    const wanted = this.wanted;
    const stored = await this.dataMap.current();
    this.loaded = wanted;
    if (this.snapshot?.version === stored.version) return this.snapshot;
    const map = toPolicyMap(stored);
    let policy: Policy | null = null;
    try {
      policy = compilePolicy(map);
    } catch (error) {
      this.logger.error(`Data map version ${map.version} does not compile; decisions fail closed: ${String(error)}`);
    }
    const json = JSON.stringify(map);
    const etag = `"${map.version}-${createHash('sha256').update(json).digest('base64url').slice(0, 16)}"`;
    const snapshot: PolicySnapshot = Object.freeze({ version: map.version, stored, map, policy, etag });
    this.snapshot = snapshot;
    this.subject.next(snapshot);
    return snapshot;
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Subject, type Observable, type Subscription } from 'rxjs';
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

/** How long a compiled policy is served before the stored map version is checked again. */
const REVALIDATE_MS = 1000;

/**
 * The compiled policy, cached: recompiled when this process changes the map
 * (`DataMapService.changes`), and checked against the stored map version at most once a
 * second otherwise (changes made by another process, e.g. the CLI). Every new version is
 * announced on `changes` (in process) and in the change log (the SSE feed).
 */
@Injectable()
export class PolicyService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Policy');
  private snapshot: PolicySnapshot | null = null;
  private checkedAt = 0;
  private loading: Promise<PolicySnapshot> | null = null;
  private queued: Promise<PolicySnapshot> | null = null;
  private subscription: Subscription | null = null;
  private closed = false;
  /** This process changed the map and the new version is not compiled yet. */
  private stale = false;
  private readonly subject = new Subject<PolicySnapshot>();
  /** Emits each newly compiled policy version. */
  readonly changes: Observable<PolicySnapshot> = this.subject.asObservable();

  constructor(
    private readonly dataMap: DataMapService,
    private readonly changeLog: ChangeLogService,
  ) {}

  onModuleInit(): void {
    this.subscription = this.dataMap.changes.subscribe(() => {
      this.stale = true;
      void this.refresh().catch((error: unknown) => this.logger.error(String(error)));
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
  }

  /** Stops following the map and lets a running compile finish before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.subscription?.unsubscribe();
    await Promise.allSettled([this.loading, this.queued]);
    this.subject.complete();
  }

  /**
   * The cached policy, with no query: after a map change made in this process, the new
   * one; otherwise revalidated in the background when older than a second.
   */
  async current(): Promise<PolicySnapshot> {
    const snapshot = this.snapshot;
    if (snapshot === null || this.stale) return this.refresh();
    if (Date.now() - this.checkedAt > REVALIDATE_MS && !this.closed) {
      void this.refresh().catch((error: unknown) => this.logger.error(String(error)));
    }
    return snapshot;
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
    const stale = this.stale;
    const stored = await this.dataMap.current();
    this.checkedAt = Date.now();
    if (stale) this.stale = false;
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
    await this.changeLog.announcePolicy(snapshot.version);
    return snapshot;
  }
}

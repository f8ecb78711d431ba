import { Global, Inject, Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { WriteQueue } from '../database/write-queue';
import { AuthError } from './auth.errors';
import { DatabaseRateLimitStore } from './database-rate-limit.store';

/** A limit: at most `points` hits per `windowSeconds`; over it, blocked for a window. */
export interface RateLimitRule {
  /** Names the counter (keys of different rules never meet). */
  name: string;
  points: number;
  windowSeconds: number;
}

/**
 * Where rate-limit counts live. The server uses `DatabaseRateLimitStore` on either driver,
 * so every instance on one database (PostgreSQL, or processes sharing a SQLite file) counts
 * the same failures; `MemoryRateLimitStore` (rate-limiter-flexible's `RateLimiterMemory`)
 * limits per process, for code that runs without a database.
 */
export interface RateLimitStore {
  /** Counts one hit; `retryAfterMs` > 0 when the key is over the rule (and so blocked). */
  hit(rule: RateLimitRule, key: string): Promise<{ retryAfterMs: number }>;
  /** Whether the key is blocked now, without counting a hit: ms until it is not, or 0. */
  blockedFor(rule: RateLimitRule, key: string): Promise<number>;
  /** What `blockedFor` would answer, when the store knows it without waiting; null when it must look. */
  cachedBlockedFor?(rule: RateLimitRule, key: string): number | null;
}

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  async hit(rule: RateLimitRule, key: string): Promise<{ retryAfterMs: number }> {
    try {
      await this.limiter(rule).consume(key);
      return { retryAfterMs: 0 };
    } catch (rejected) {
      if (rejected instanceof RateLimiterRes) return { retryAfterMs: Math.max(1, rejected.msBeforeNext) };
      throw rejected;
    }
  }

  async blockedFor(rule: RateLimitRule, key: string): Promise<number> {
    const res = await this.limiter(rule).get(key);
    return res !== null && res.consumedPoints > rule.points ? Math.max(1, res.msBeforeNext) : 0;
  }

  private limiter(rule: RateLimitRule): RateLimiterAbstract {
    const id = `${rule.name}:${rule.points}:${rule.windowSeconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterMemory({
        keyPrefix: rule.name,
        points: rule.points,
        duration: rule.windowSeconds,
        blockDuration: rule.windowSeconds,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

@Global()
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [DataSource, WriteQueue],
      useFactory: (dataSource: DataSource, writeQueue: WriteQueue): RateLimitStore => new DatabaseRateLimitStore(dataSource, writeQueue),
    },
  ],
  exports: [RATE_LIMIT_STORE],
})
export class RateLimitModule {}

/** Too many failed attempts (or demo logins): 429, with `Retry-After` in seconds. */
export class RateLimitedError extends AuthError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number, what: string) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super('TOO_MANY_REQUESTS', `Too many ${what}: try again in ${seconds} s`);
    this.retryAfterSeconds = seconds;
  }
}

/** The client's address as this server sees it (no proxy headers are trusted). */
export function clientAddress(request: FastifyRequest): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/**
 * Counts failed authentications per client address and per token prefix; over
 * `rateLimits.authFailures` in a window, the caller is refused with 429 for a window,
 * whether the next token is right or not (otherwise a blocked guesser would still learn
 * which guess is right). Successful authentications are not counted, nor expired user
 * tokens (their signature was valid: not a guess).
 */
@Injectable()
export class AuthRateLimiter {
  private readonly rule: RateLimitRule;

  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
  ) {
    const { authFailures, windowSeconds } = config.rateLimits;
    this.rule = { name: 'auth-failure', points: authFailures, windowSeconds };
  }

  /** The keys a request is counted under: its address, and the token's prefix when it has a meaningful one. */
  keys(address: string, token: string): string[] {
    const keys = [`ip:${address}`];
    // JWTs (user tokens) all begin alike ("eyJhbGciOi…"): a prefix would pool every user.
    if (!token.startsWith('eyJ')) keys.push(`token:${token.slice(0, 12)}`);
    return keys;
  }

  /**
   * Throws 429 when any key is blocked. Synchronous (no promise) while the store answers
   * from its cache, which is every request but about one a second per key.
   */
  assertAllowed(keys: readonly string[]): void | Promise<void> {
    if (!this.config.rateLimits.enabled) return;
    for (let i = 0; i < keys.length; i++) {
      const ms = this.store.cachedBlockedFor?.(this.rule, keys[i]) ?? null;
      if (ms === null) return this.assertAllowedFrom(keys, i);
      if (ms > 0) throw new RateLimitedError(ms, 'failed authentication attempts');
    }
  }

  private async assertAllowedFrom(keys: readonly string[], from: number): Promise<void> {
    for (let i = from; i < keys.length; i++) {
      const ms = await this.store.blockedFor(this.rule, keys[i]);
      if (ms > 0) throw new RateLimitedError(ms, 'failed authentication attempts');
    }
  }

  /** Counts one failure under each key; throws 429 when that crosses a limit. */
  async failed(keys: readonly string[]): Promise<void> {
    if (!this.config.rateLimits.enabled) return;
    let retryAfterMs = 0;
    for (const key of keys) retryAfterMs = Math.max(retryAfterMs, (await this.store.hit(this.rule, key)).retryAfterMs);
    if (retryAfterMs > 0) throw new RateLimitedError(retryAfterMs, 'failed authentication attempts');
  }
}

/** Demo logins per client address (`rateLimits.demoLogins` per window), then 429. */
@Injectable()
export class DemoLoginThrottle implements CanActivate {
  private readonly rule: RateLimitRule;

  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
  ) {
    const { demoLogins, windowSeconds } = config.rateLimits;
    this.rule = { name: 'demo-login', points: demoLogins, windowSeconds };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.rateLimits.enabled) return true;
    const { retryAfterMs } = await this.store.hit(this.rule, clientAddress(context.switchToHttp().getRequest<FastifyRequest>()));
    if (retryAfterMs > 0) throw new RateLimitedError(retryAfterMs, 'demo logins from this address');
    return true;
  }
}

import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { ChangeLogService } from '../policy/change-log.service';
import type { Principal } from './principal';

/** How many verified tokens are kept (the oldest goes first): a few MB at most. */
export const VERIFIED_TOKENS_MAX = 10_000;

interface Entry {
  /** The token's bytes: a fast hash can collide, so a hit is the same token, compared in constant time. */
  readonly token: Buffer;
  readonly principal: Principal;
  /** Seconds since the epoch after which the entry is no good (a user token's `exp`), or null. */
  readonly expiresAt: number | null;
}

/**
 * Tokens the guard has verified, so a token seen again costs one fast hash and no SHA-256,
 * HMAC or query: the bootstrap admin token, service tokens and user tokens. Keyed by a fast
 * 32-bit hash of the token (FNV-1a); each entry holds the token itself, so a collision is a
 * miss, never someone else's identity. Bounded (`VERIFIED_TOKENS_MAX`, oldest out first).
 *
 * Revocation comes through the change log, like the service-token cache's: a `token` entry
 * (written by whichever instance revoked it) drops that token's entries here at once. A
 * verification that started before a revocation the log has since announced is not cached
 * (the generation moved), so a revoked token cannot slip back in. User tokens cannot be
 * revoked; their entries expire with the token's `exp`. Admin keys (per person) are not
 * cached: their revocation is not in the change log.
 */
@Injectable()
export class VerifiedTokenCache implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<number, Entry>();
  private subscription: Subscription | null = null;
  /** Moves on with every token revocation the change log announces. */
  private revocations = 0;

  constructor(private readonly changeLog: ChangeLogService) {}

  onModuleInit(): void {
    this.subscription = this.changeLog.live.subscribe((e) => {
      if (e.kind === 'token') this.revokeService(e.tokenId);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** How many tokens are held. */
  get size(): number {
    return this.entries.size;
  }

  /** The revocation generation now: pass it back to `set` for a verification started now. */
  get generation(): number {
    return this.revocations;
  }

  /** The principal of a token verified before and still good at `nowSeconds`, or null. */
  get(token: string, nowSeconds: number): Principal | null {
    const key = fastHash(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    const given = Buffer.from(token, 'utf8');
    if (given.length !== entry.token.length || !timingSafeEqual(given, entry.token)) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= nowSeconds) {
      this.entries.delete(key);
      return null;
    }
    return entry.principal;
  }

  /**
   * Keeps a verified token, unless a revocation was announced since `generation` (read when
   * its verification started).
   */
  set(token: string, principal: Principal, generation: number, expiresAt: number | null = null): void {
    if (generation !== this.revocations) return;
    const key = fastHash(token);
    this.entries.delete(key);
    if (this.entries.size >= VERIFIED_TOKENS_MAX) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { token: Buffer.from(token, 'utf8'), principal, expiresAt });
  }

  /** Drops every entry of service token `tokenId` (revoked). */
  revokeService(tokenId: number): void {
    this.revocations++;
    for (const [key, entry] of this.entries) {
      if (entry.principal.kind === 'service' && entry.principal.tokenId === tokenId) this.entries.delete(key);
    }
  }
}

/** FNV-1a over the UTF-16 code units: fast, not cryptographic (the entry check makes up for that). */
export function fastHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { IsNull, type DataSource } from 'typeorm';
import { WriteQueue } from '../database/write-queue';
import { ChangeLogService } from '../policy/change-log.service';
import { currentActor } from './actor-context';
import { AuthError } from './auth.errors';
import { CLOCK, type Clock } from './clock';
import { ServiceToken } from './service-token.entity';

export const SERVICE_TOKEN_PREFIX = 'fg_svc_';

export interface ServiceTokenResponse {
  id: number;
  name: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
  /** Who created and who revoked it (`admin`, `admin:<key name>`, `cli:<user>`); null before this was recorded. */
  createdBy: string | null;
  revokedBy: string | null;
}

export interface CreatedServiceToken extends ServiceTokenResponse {
  /** The token itself: shown this once, never again. */
  token: string;
}

/**
 * Creates, lists, revokes and recognises service tokens. Active tokens are kept in memory
 * by hash (loaded at start), so checking a token costs one SHA-256 and no query; a token
 * this process has not seen is looked up once in the database. A revocation appends a
 * `token` entry to the change log in its transaction, and every process (following the
 * log) drops the token from its cache: revoked through one instance, refused by all.
 */
@Injectable()
export class ServiceTokensService implements OnModuleInit, OnModuleDestroy {
  private readonly active = new Map<string, { id: number; name: string }>();
  private subscription: Subscription | null = null;
  /** Token ids the log said were revoked: a lookup that raced the revocation is not cached. */
  private readonly revoked = new Set<number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writeQueue: WriteQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly changeLog: ChangeLogService,
  ) {}

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  async onModuleInit(): Promise<void> {
    this.subscription = this.changeLog.live.subscribe((e) => {
      if (e.kind !== 'token') return;
      this.revoked.add(e.tokenId);
      for (const [hash, identity] of this.active) if (identity.id === e.tokenId) this.active.delete(hash);
    });
    const rows = await this.dataSource.manager.find(ServiceToken, { where: { revokedAt: IsNull() } });
    for (const row of rows) this.active.set(row.tokenHash, { id: row.id, name: row.name });
  }

  async create(name: string): Promise<CreatedServiceToken> {
    const token = `${SERVICE_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const tokenHash = hashToken(token);
    const row = await this.writeQueue.transaction((m) =>
      m.save(
        ServiceToken,
        m.create(ServiceToken, {
          name,
          tokenHash,
          prefix: token.slice(0, 12),
          revokedAt: null,
          createdBy: currentActor(),
          revokedBy: null,
        }),
      ),
    );
    this.active.set(tokenHash, { id: row.id, name: row.name });
    return { ...toResponse(row), token };
  }

  async list(): Promise<{ items: ServiceTokenResponse[] }> {
    const rows = await this.dataSource.manager.find(ServiceToken, { order: { id: 'ASC' } });
    return { items: rows.map(toResponse) };
  }

  /** Revokes a token at once; revoking twice is harmless. */
  async revoke(id: number): Promise<void> {
    const { row, logged } = await this.writeQueue.transaction(async (m) => {
      const found = await m.findOneBy(ServiceToken, { id });
      if (!found) throw new AuthError('SERVICE_TOKEN_NOT_FOUND', `No service token with id ${id}`, [
          { path: 'id', message: `no service token ${id}` },
        ]);
      if (found.revokedAt !== null) return { row: found, logged: [] };
      found.revokedAt = this.clock.now();
      found.revokedBy = currentActor();
      await m.save(ServiceToken, found);
      return { row: found, logged: await this.changeLog.append(m, [{ kind: 'token', tokenId: id }]) };
    });
    this.active.delete(row.tokenHash);
    await this.changeLog.committed(logged);
  }

  /** The active token's identity, or null for an unknown or revoked token. */
  async recognise(token: string): Promise<{ id: number; name: string } | null> {
    const tokenHash = hashToken(token);
    const known = this.active.get(tokenHash);
    if (known) return known;
    const row = await this.dataSource.manager.findOneBy(ServiceToken, { tokenHash, revokedAt: IsNull() });
    if (!row || this.revoked.has(row.id)) return null;
    const identity = { id: row.id, name: row.name };
    this.active.set(tokenHash, identity);
    return identity;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toResponse(row: ServiceToken): ServiceTokenResponse {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
    createdBy: row.createdBy,
    revokedBy: row.revokedBy,
  };
}

import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, type DataSource } from 'typeorm';
import { WriteQueue } from '../database/write-queue';
import { currentActor } from './actor-context';
import { AdminKey } from './admin-key.entity';
import type { AdminRole } from './admin-role';
import { AuthError } from './auth.errors';
import { CLOCK, type Clock } from './clock';

export const ADMIN_KEY_PREFIX = 'fg_key_';

export interface AdminKeyResponse {
  id: number;
  name: string;
  role: AdminRole;
  prefix: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface CreatedAdminKey extends AdminKeyResponse {
  /** The key itself: shown this once, never again. */
  key: string;
}

/**
 * Per-person admin keys. A key is looked up by its SHA-256 on every request (admin traffic
 * is light), so a revocation by the CLI or another instance holds at once everywhere.
 */
@Injectable()
export class AdminKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writeQueue: WriteQueue,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(name: string, role: AdminRole): Promise<CreatedAdminKey> {
    const key = `${ADMIN_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.writeQueue.transaction(async (m) => {
      if (await m.findOneBy(AdminKey, { name })) {
        throw new AuthError('ADMIN_KEY_NAME_TAKEN', `An admin key named "${name}" exists already`, [
          { path: 'name', message: `"${name}" has a key already (revoked keys keep their name)` },
        ]);
      }
      return m.save(
        AdminKey,
        m.create(AdminKey, {
          name,
          role,
          keyHash: hashKey(key),
          prefix: key.slice(0, 12),
          createdBy: currentActor(),
          revokedAt: null,
          revokedBy: null,
        }),
      );
    });
    return { ...toResponse(row), key };
  }

  async list(): Promise<{ items: AdminKeyResponse[] }> {
    const rows = await this.dataSource.manager.find(AdminKey, { order: { id: 'ASC' } });
    return { items: rows.map(toResponse) };
  }

  /** Revokes a key at once; revoking twice is harmless. */
  async revoke(id: number): Promise<void> {
    await this.writeQueue.transaction(async (m) => {
      const found = await m.findOneBy(AdminKey, { id });
      if (!found) {
        throw new AuthError('ADMIN_KEY_NOT_FOUND', `No admin key with id ${id}`, [{ path: 'id', message: `no admin key ${id}` }]);
      }
      if (found.revokedAt === null) {
        found.revokedAt = this.clock.now();
        found.revokedBy = currentActor();
        await m.save(AdminKey, found);
      }
    });
  }

  /** The active key's holder and role, or null for an unknown or revoked key. */
  async recognise(key: string): Promise<{ id: number; name: string; role: AdminRole } | null> {
    const row = await this.dataSource.manager.findOneBy(AdminKey, { keyHash: hashKey(key), revokedAt: IsNull() });
    return row ? { id: row.id, name: row.name, role: row.role } : null;
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toResponse(row: AdminKey): AdminKeyResponse {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
    revokedBy: row.revokedBy,
  };
}

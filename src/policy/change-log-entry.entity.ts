import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ChangeKind = 'policy' | 'consent' | 'token';

/**
 * One announced change, in commit order: a new policy (data-map) version, a user's new
 * consent state version, or a revoked service token (server-internal, not on the feed). The id is the change feed's event id (`Last-Event-ID`): durable
 * and increasing, so a reconnecting client resumes without missing anything.
 */
@Entity('change_log')
export class ChangeLogEntry {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 10 })
  kind: ChangeKind;

  /** Consent changes: whose. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  userId: string | null;

  /** The new policy version, the user's new consent state version, or the revoked token's id. */
  @Column({ type: 'integer' })
  version: number;

  @CreateDateColumn()
  createdAt: Date;
}

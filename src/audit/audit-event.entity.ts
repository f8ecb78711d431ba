import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { AuditKind, GuardMode } from '@flowgate/core';

/**
 * Epoch milliseconds. SQLite's `integer` holds 64 bits; PostgreSQL's is 32, so its migration
 * makes these columns `bigint` (which the driver returns as a string). The entity keeps
 * `integer` so the SQLite schema and its generated migrations stay as they are.
 */
const EPOCH_MS = { to: (v: number) => v, from: (v: string | number) => Number(v) };

/**
 * One batch a guard sent (`POST /api/v1/audit/events`): who sent it, when, and how many
 * records its buffer had to drop. Times are epoch milliseconds (compared numerically).
 */
@Entity('audit_batch')
@Index('IDX_audit_batch_received', ['receivedAt'])
export class AuditBatch {
  @PrimaryGeneratedColumn()
  id: number;

  /** The service name the guard was configured with. */
  @Column({ type: 'varchar', length: 100 })
  service: string;

  /** The service token that sent it. */
  @Column({ type: 'integer' })
  tokenId: number;

  @Column({ type: 'integer', transformer: EPOCH_MS })
  receivedAt: number;

  @Column({ type: 'integer', default: 0 })
  dropped: number;
}

/**
 * Records counted by identity within one batch: blocked calls, monitor hits, drift.
 * `batchId` is indexed so deleting a batch (retention) need not scan every event.
 */
@Entity('audit_event')
@Index('IDX_audit_event_batch', ['batchId'])
@Index('IDX_audit_event_kind_last', ['kind', 'lastAt'])
@Index('IDX_audit_event_last', ['lastAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  batchId: number;

  @ManyToOne(() => AuditBatch, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'batchId' })
  batch: AuditBatch;

  @Column({ type: 'varchar', length: 10 })
  kind: AuditKind;

  /** As the guard was asked: a known subprocessor key, or an unknown one (reason `no-flow`). */
  @Column({ type: 'varchar', length: 100 })
  subprocessor: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  purpose: string | null;

  /** A field key, a payload path no field declares, or `*` for a call as a whole. */
  @Column({ type: 'varchar', length: 300 })
  field: string;

  /** A decision reason code; for drift, the detector. */
  @Column({ type: 'varchar', length: 40 })
  reason: string;

  @Column({ type: 'varchar', length: 10 })
  mode: GuardMode;

  @Column({ type: 'integer' })
  policyVersion: number;

  @Column({ type: 'integer' })
  count: number;

  @Column({ type: 'integer', transformer: EPOCH_MS })
  firstAt: number;

  @Column({ type: 'integer', transformer: EPOCH_MS })
  lastAt: number;
}

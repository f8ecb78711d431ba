import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Choice, ConsentSource } from '@flowgate/core';

/**
 * Append-only proof of consent: one row per choice a user made (or a GPC signal their
 * browser sent). Each row's `hash` covers its content and the user's previous event's
 * hash (`prevHash`), so altering, removing or reordering any stored event breaks the
 * chain (`GET /api/v1/users/:userId/verify`). Triggers reject UPDATE and DELETE.
 */
@Entity('consent_event')
@Index('UQ_consent_event_user_seq', ['userId', 'seq'], { unique: true })
export class ConsentEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 128 })
  userId: string;

  /** 1, 2, 3, … per user: the user's consent state version after this event. */
  @Column({ type: 'integer' })
  seq: number;

  /** The flow chosen for; null for a GPC signal (it applies to every flow, per the semantics table). */
  @Column({ type: 'varchar', length: 201, nullable: true })
  flowKey: string | null;

  @Column({ type: 'varchar', length: 10 })
  choice: Choice;

  @Column({ type: 'varchar', length: 20 })
  source: ConsentSource;

  /** The flow version the user was shown; null for a GPC signal. */
  @Column({ type: 'integer', nullable: true })
  flowVersion: number | null;

  /** SHA-256 of the notice text shown (kept in `consent_notice`); null for a GPC signal. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  noticeHash: string | null;

  /** Who recorded it: `user:<id>`, `admin`, `service:<token id>`. */
  @Column({ type: 'varchar', length: 150 })
  actor: string;

  /** Server time, ISO 8601 with milliseconds (hashed exactly as stored). */
  @Column({ type: 'varchar', length: 24 })
  recordedAt: string;

  @Column({ type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Choice, ConsentSource } from '@flowgate/core';

/**
 * The current choice per (user, flow): a projection of `consent_event`, rebuildable from
 * it (`npx flowgate consent rebuild`). Written in the same transaction as the event.
 */
@Entity('consent_state')
export class ConsentState {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 201 })
  flowKey: string;

  @Column({ type: 'varchar', length: 10 })
  choice: Choice;

  /** The flow version the choice was made at. */
  @Column({ type: 'integer' })
  flowVersion: number;

  @Column({ type: 'varchar', length: 20 })
  source: ConsentSource;

  /** The event this state comes from. */
  @Column({ type: 'integer' })
  eventId: number;

  @Column({ type: 'varchar', length: 24 })
  recordedAt: string;
}

/** Per user: the consent state version (last event `seq`), the chain's head and the GPC signal. */
@Entity('consent_subject')
export class ConsentSubject {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  userId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 64 })
  lastHash: string;

  /** A Global Privacy Control signal was recorded for this user. */
  @Column({ type: 'boolean', default: false })
  gpc: boolean;

  @Column({ type: 'varchar', length: 24, nullable: true })
  gpcAt: string | null;
}

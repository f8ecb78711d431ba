import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { NoticeFact } from './notice.types';

/** What a notice schedules: a new flow as a whole, or new fields of a widened flow. */
export interface ScheduledChange {
  flowKey: string;
  /** True: the whole flow is new. */
  newFlow: boolean;
  /** New sent fields (for a new flow: all of them). */
  fields: string[];
}

/**
 * A dated notice of a change to the subprocessor list (GDPR Art. 28(2)): written in the
 * transaction of the map change that made it. Until `effectiveAt` the new or widened
 * flows it lists are scheduled (denied `not-yet-effective`), unless overridden.
 */
@Entity('change_notice')
export class ChangeNotice {
  @PrimaryGeneratedColumn()
  id: number;

  /** The map version the change produced. */
  @Index('IDX_change_notice_map_version')
  @Column({ type: 'integer' })
  mapVersion: number;

  @Column({ type: 'simple-json' })
  kinds: string[];

  /** One sentence per change, in English. */
  @Column({ type: 'simple-json' })
  changes: string[];

  /** The changes as facts, from which each page language writes its sentences; null on notices stored before. */
  @Column({ type: 'simple-json', nullable: true })
  facts: NoticeFact[] | null;

  @Column({ type: 'simple-json' })
  scheduled: ScheduledChange[];

  /** Epoch ms. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  noticeAt: number;

  /** Epoch ms: notice date + the configured window. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  effectiveAt: number;

  @Column({ type: 'text', nullable: true })
  overrideReason: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  overrideAt: number | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Who runs a periodic job (audit retention, …) until when. An instance runs the job only
 * after claiming its lease in a write transaction (the row lock decides between instances),
 * so N instances on one database do the work once per period.
 */
@Entity('job_lease')
export class JobLease {
  @PrimaryColumn({ type: 'varchar', length: 50 })
  name: string;

  /** Which process holds it (`<host>:<pid>:<random>`). */
  @Column({ type: 'varchar', length: 100 })
  holder: string;

  /** Epoch milliseconds: the lease is free again after this. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  leaseUntil: number;
}

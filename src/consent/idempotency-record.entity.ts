import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A consent write made with an `Idempotency-Key`: the same key again (for the same user)
 * returns this response instead of recording anything.
 */
@Entity('consent_idempotency')
export class IdempotencyRecord {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  userId: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  key: string;

  /** SHA-256 of the request it answered; the same key with another request is refused. */
  @Column({ type: 'varchar', length: 64 })
  requestHash: string;

  /** The response body, as JSON. */
  @Column({ type: 'text' })
  response: string;

  @Column({ type: 'varchar', length: 24 })
  createdAt: string;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A signed checkpoint over one group-commit batch of consent events (`checkpoint.ts`):
 * `payload` is the canonical JSON the Ed25519 `signature` covers (number, previous
 * checkpoint's digest, log-wide hash, and every event's id, user, seq and hash), `kid`
 * the signing key's thumbprint (`GET /api/v1/receipts/keys`). Append-only, like the events.
 */
@Entity('consent_checkpoint')
@Index('IDX_consent_checkpoint_last_event', ['lastEventId'])
export class ConsentCheckpoint {
  /** 1, 2, 3, …: the checkpoint's number. */
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'integer' })
  firstEventId: number;

  @Column({ type: 'integer' })
  lastEventId: number;

  @Column({ type: 'text' })
  payload: string;

  /** base64url Ed25519 signature over `payload`. */
  @Column({ type: 'varchar', length: 100 })
  signature: string;

  @Column({ type: 'varchar', length: 64 })
  kid: string;
}

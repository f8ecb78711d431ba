import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A service token (an SDK in another service). Only the SHA-256 of the token is stored:
 * tokens are 256 random bits, so a fast hash is as good as a slow one, and the plain
 * token is shown once, when it is created.
 */
@Entity('service_token')
export class ServiceToken {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** Hex SHA-256 of the token. */
  @Column({ type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  /** The token's first characters, so a person can tell tokens apart. */
  @Column({ type: 'varchar', length: 20 })
  prefix: string;

  @CreateDateColumn()
  createdAt: Date;

  @Column({ type: Date, nullable: true })
  revokedAt: Date | null;

  /** Who created it (null for tokens from before actors were recorded). */
  @Column({ type: 'varchar', length: 120, nullable: true })
  createdBy: string | null;

  @Column({ type: 'varchar', length: 120, nullable: true })
  revokedBy: string | null;
}

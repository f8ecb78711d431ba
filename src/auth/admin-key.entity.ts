import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { AdminRole } from './admin-role';

/** A person's admin API key. Only its SHA-256 is stored; the key is shown once, at creation. */
@Entity('admin_key')
export class AdminKey {
  @PrimaryGeneratedColumn()
  id: number;

  /** Who holds it (`ada`, `ada@example.com`): unique, and how history names them. */
  @Column({ type: 'varchar', length: 100, unique: true })
  name: string;

  @Column({ type: 'varchar', length: 10 })
  role: AdminRole;

  /** Hex SHA-256 of the key. */
  @Column({ type: 'varchar', length: 64, unique: true })
  keyHash: string;

  @Column({ type: 'varchar', length: 20 })
  prefix: string;

  @CreateDateColumn()
  createdAt: Date;

  @Column({ type: 'varchar', length: 120 })
  createdBy: string;

  @Column({ type: Date, nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'varchar', length: 120, nullable: true })
  revokedBy: string | null;
}

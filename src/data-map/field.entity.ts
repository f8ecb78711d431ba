import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Sensitivity } from '@flowgate/core';

/** A kind of personal data as it travels (`user.contact.email`). */
@Entity('field')
export class Field {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  key: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 20 })
  sensitivity: Sensitivity;

  /** Where the field appears in an outbound payload (`customer.email`, `to[*].email`). */
  @Column({ type: 'simple-json' })
  paths: string[];

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NotStated, SubprocessorCategory, TransferMechanism } from '@flowgate/core';
import type { ManifestEndpoint, ManifestTransfer } from './manifest/manifest.types';

/** A vendor that receives personal data (`stripe`, `logrocket`). */
@Entity('subprocessor')
export class Subprocessor {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  key: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  url: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  legalEntity: string | null;

  @Column({ type: 'text', nullable: true })
  address: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  parent: string | null;

  /** ISO 3166-1 alpha-2 codes, `EU`, region values, or `"not-stated"`; the region is derived (`regionOf`). */
  @Column({ type: 'simple-json' })
  locations: string[] | NotStated;

  /** Onward transfers to other subprocessors. */
  @Column({ type: 'simple-json', nullable: true })
  transfers: ManifestTransfer[] | null;

  @Column({ type: 'varchar', length: 30 })
  category: SubprocessorCategory;

  @Column({ type: 'varchar', length: 20, nullable: true })
  transferMechanism: TransferMechanism | null;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Hosts (and path prefixes) it is reached at, for the egress guard; null when none are declared. */
  @Column({ type: 'simple-json', nullable: true })
  endpoints: ManifestEndpoint[] | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

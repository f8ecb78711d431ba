import type { ManifestOrganization } from './manifest/manifest.types';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One row: the data map's version, bumped by every change; policies carry it. */
@Entity('data_map_state')
export class DataMapState {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'integer' })
  version: number;

  /** Whose map this is (the manifest's `organization`). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  organization: string | null;

  /** The rest of the organisation block (legal name, address, links, roles, page). */
  @Column({ type: 'simple-json', nullable: true })
  organizationProfile: Omit<ManifestOrganization, 'name'> | null;

  @UpdateDateColumn()
  updatedAt: Date;
}

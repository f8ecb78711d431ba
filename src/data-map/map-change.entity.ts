import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One change of the data map: the version it made, who made it, when, and the diff. */
@Entity('map_change')
export class MapChange {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer', unique: true })
  version: number;

  /** `admin` (bootstrap token), `admin:<key name>`, `cli:<os user>`, `system` (boot seeding). */
  @Column({ type: 'varchar', length: 120 })
  actor: string;

  @CreateDateColumn()
  changedAt: Date;

  /** The ManifestDiff, as JSON. */
  @Column({ type: 'text' })
  diff: string;
}

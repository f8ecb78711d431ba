import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Why data is sent (`hosting`, `payments`, `session-replay`). */
@Entity('purpose')
export class Purpose {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  key: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Translations of `description` by language (JSON), e.g. `{"de": "…"}`. */
  @Column({ type: 'simple-json', nullable: true })
  descriptions: Record<string, string> | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

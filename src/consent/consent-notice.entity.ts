import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The exact notice texts users were shown, by SHA-256; consent events refer to them by hash. */
@Entity('consent_notice')
export class ConsentNotice {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  hash: string;

  @Column({ type: 'text' })
  text: string;
}

import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Activation, Audience, ConsentMode, LegalBasis } from '@flowgate/core';
import { Field } from './field.entity';
import { Purpose } from './purpose.entity';
import { Subprocessor } from './subprocessor.entity';

/** Subprocessor × purpose × fields, with the consent mode and legal basis. */
@Entity('flow')
@Index('UQ_flow_subprocessor_purpose', ['subprocessorId', 'purposeId'], { unique: true })
export class Flow {
  @PrimaryGeneratedColumn()
  id: number;

  /** Derived: `<subprocessor>.<purpose>`. */
  @Column({ type: 'varchar', length: 201, unique: true })
  key: string;

  @Column({ type: 'integer' })
  subprocessorId: number;

  @ManyToOne(() => Subprocessor, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'subprocessorId' })
  subprocessor: Subprocessor;

  @Column({ type: 'integer' })
  purposeId: number;

  @ManyToOne(() => Purpose, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'purposeId' })
  purpose: Purpose;

  @Column({ type: 'varchar', length: 10 })
  mode: ConsentMode;

  @Column({ type: 'varchar', length: 30 })
  legalBasis: LegalBasis;

  /** Bumped whenever what the flow sends (its fields) or its mode changes. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Translations of `description` by language (JSON), e.g. `{"de": "…"}`. */
  @Column({ type: 'simple-json', nullable: true })
  descriptions: Record<string, string> | null;
  /** The company has not stated what this flow sends (its `fields` are then empty). */
  @Column({ type: 'boolean', default: false })
  fieldsNotStated: boolean;

  @Column({ type: 'simple-json', nullable: true })
  audiences: Audience[] | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  activation: Activation | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  feature: string | null;

  /** A new flow announced by a change notice is enforced from this instant (epoch ms); null: in effect. */
  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  effectiveFrom: number | null;

  @OneToMany(() => FlowField, (link) => link.flow)
  links: FlowField[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

/**
 * A field a flow sends (`sent`) or explicitly does not (`excluded`). The primary key
 * (flow, field) makes "both sent and excluded" impossible in storage as well.
 */
@Entity('flow_field')
export class FlowField {
  @PrimaryColumn({ type: 'integer' })
  flowId: number;

  @PrimaryColumn({ type: 'integer' })
  fieldId: number;

  @ManyToOne(() => Flow, (flow) => flow.links, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'flowId' })
  flow: Flow;

  @ManyToOne(() => Field, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'fieldId' })
  field: Field;

  @Column({ type: 'varchar', length: 10 })
  role: 'sent' | 'excluded';

  /** The flow version at which a sent field was (last) added: a grant at an older version does not cover it. */
  @Column({ type: 'integer' })
  since: number;

  /** A field added by a change notice is sent from this instant (epoch ms); null: in effect. */
  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  effectiveFrom: number | null;
}

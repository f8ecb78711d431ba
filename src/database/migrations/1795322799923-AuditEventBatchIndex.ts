import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes `audit_event.batchId`: with foreign keys on, deleting an `audit_batch` row looks
 * up its events, and without this index every such delete (audit retention) scans the
 * whole `audit_event` table.
 */
export class AuditEventBatchIndex1795322799923 implements MigrationInterface {
  name = 'AuditEventBatchIndex1795322799923';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_audit_event_batch" ON "audit_event" ("batchId") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_audit_event_batch"`);
  }
}

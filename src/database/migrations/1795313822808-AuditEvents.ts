import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit reports from guards: `audit_batch` (one per POST, with the sending service token)
 * and `audit_event` (counted records). Generated, then folded by hand: TypeORM's sqlite
 * output created `audit_event` without its foreign key and rebuilt it to add one.
 */
export class AuditEvents1795313822808 implements MigrationInterface {
  name = 'AuditEvents1795313822808';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_batch" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "service" varchar(100) NOT NULL, "tokenId" integer NOT NULL, "receivedAt" integer NOT NULL, "dropped" integer NOT NULL DEFAULT (0))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_batch_received" ON "audit_batch" ("receivedAt") `);
    await queryRunner.query(
      `CREATE TABLE "audit_event" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "batchId" integer NOT NULL, "kind" varchar(10) NOT NULL, "subprocessor" varchar(100) NOT NULL, "purpose" varchar(100), "field" varchar(300) NOT NULL, "reason" varchar(40) NOT NULL, "mode" varchar(10) NOT NULL, "policyVersion" integer NOT NULL, "count" integer NOT NULL, "firstAt" integer NOT NULL, "lastAt" integer NOT NULL, CONSTRAINT "FK_61372769364589ded54239a576c" FOREIGN KEY ("batchId") REFERENCES "audit_batch" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_event_last" ON "audit_event" ("lastAt") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_event_kind_last" ON "audit_event" ("kind", "lastAt") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_audit_event_kind_last"`);
    await queryRunner.query(`DROP INDEX "IDX_audit_event_last"`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
    await queryRunner.query(`DROP INDEX "IDX_audit_batch_received"`);
    await queryRunner.query(`DROP TABLE "audit_batch"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change notices and what they schedule: a new flow (`flow.effectiveFrom`) or a new field
 * of a flow (`flow_field.effectiveFrom`) is enforced from that instant (epoch ms); null is
 * in effect. Webhook subscriptions and their delivery log.
 */
export class ChangeNotices1796118215892 implements MigrationInterface {
  name = 'ChangeNotices1796118215892';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "flow" ADD COLUMN "effectiveFrom" bigint`);
    await queryRunner.query(`ALTER TABLE "flow_field" ADD COLUMN "effectiveFrom" bigint`);
    await queryRunner.query(`CREATE TABLE "change_notice" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "mapVersion" integer NOT NULL, "kinds" text NOT NULL, "changes" text NOT NULL, "scheduled" text NOT NULL, "noticeAt" bigint NOT NULL, "effectiveAt" bigint NOT NULL, "overrideReason" text, "overrideAt" bigint)`);
    await queryRunner.query(`CREATE INDEX "IDX_change_notice_map_version" ON "change_notice" ("mapVersion")`);
    await queryRunner.query(`CREATE TABLE "webhook_subscription" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "url" varchar(500) NOT NULL, "secret" varchar(200) NOT NULL, "active" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')))`);
    await queryRunner.query(`CREATE TABLE "webhook_delivery" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "subscriptionId" integer NOT NULL, "noticeId" integer NOT NULL, "status" varchar(10) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "nextAttemptAt" bigint NOT NULL, "lastStatus" integer, "lastError" text, "deliveredAt" bigint)`);
    await queryRunner.query(`CREATE INDEX "IDX_webhook_delivery_due" ON "webhook_delivery" ("status", "nextAttemptAt")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_webhook_delivery_due"`);
    await queryRunner.query(`DROP TABLE "webhook_delivery"`);
    await queryRunner.query(`DROP TABLE "webhook_subscription"`);
    await queryRunner.query(`DROP INDEX "IDX_change_notice_map_version"`);
    await queryRunner.query(`DROP TABLE "change_notice"`);
    await queryRunner.query(`ALTER TABLE "flow_field" DROP COLUMN "effectiveFrom"`);
    await queryRunner.query(`ALTER TABLE "flow" DROP COLUMN "effectiveFrom"`);
  }
}

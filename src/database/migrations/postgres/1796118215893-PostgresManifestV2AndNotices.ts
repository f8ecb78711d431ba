import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL's side of `ManifestV21796116363108` (manifest format 2: organisation profile,
 * parent and onward transfers, not-stated fields, audiences, feature activation) and
 * `ChangeNotices1796118215892` (change notices, scheduled flows and fields, webhooks).
 */
export class PostgresManifestV2AndNotices1796118215893 implements MigrationInterface {
  name = 'PostgresManifestV2AndNotices1796118215893';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "data_map_state" ADD COLUMN "organizationProfile" text`);
    await q.query(`ALTER TABLE "subprocessor" ADD COLUMN "parent" varchar(200)`);
    await q.query(`ALTER TABLE "subprocessor" ADD COLUMN "transfers" text`);
    await q.query(`ALTER TABLE "flow" ADD COLUMN "fieldsNotStated" boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE "flow" ADD COLUMN "audiences" text`);
    await q.query(`ALTER TABLE "flow" ADD COLUMN "activation" varchar(20)`);
    await q.query(`ALTER TABLE "flow" ADD COLUMN "feature" varchar(200)`);
    await q.query(`ALTER TABLE "flow" ADD COLUMN "effectiveFrom" bigint`);
    await q.query(`ALTER TABLE "flow_field" ADD COLUMN "effectiveFrom" bigint`);
    await q.query(
      `CREATE TABLE "change_notice" ("id" SERIAL NOT NULL, "mapVersion" integer NOT NULL, "kinds" text NOT NULL, "changes" text NOT NULL, "scheduled" text NOT NULL, "noticeAt" bigint NOT NULL, "effectiveAt" bigint NOT NULL, "overrideReason" text, "overrideAt" bigint, CONSTRAINT "PK_change_notice" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_change_notice_map_version" ON "change_notice" ("mapVersion")`);
    await q.query(
      `CREATE TABLE "webhook_subscription" ("id" SERIAL NOT NULL, "url" varchar(500) NOT NULL, "secret" varchar(200) NOT NULL, "active" boolean NOT NULL DEFAULT true, "createdAt" timestamp NOT NULL DEFAULT now(), CONSTRAINT "PK_webhook_subscription" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "webhook_delivery" ("id" SERIAL NOT NULL, "subscriptionId" integer NOT NULL, "noticeId" integer NOT NULL, "status" varchar(10) NOT NULL, "attempts" integer NOT NULL DEFAULT 0, "nextAttemptAt" bigint NOT NULL, "lastStatus" integer, "lastError" text, "deliveredAt" bigint, CONSTRAINT "PK_webhook_delivery" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_webhook_delivery_due" ON "webhook_delivery" ("status", "nextAttemptAt")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "webhook_delivery"`);
    await q.query(`DROP TABLE "webhook_subscription"`);
    await q.query(`DROP TABLE "change_notice"`);
    await q.query(`ALTER TABLE "flow_field" DROP COLUMN "effectiveFrom"`);
    await q.query(`ALTER TABLE "flow" DROP COLUMN "effectiveFrom"`);
    await q.query(`ALTER TABLE "flow" DROP COLUMN "feature"`);
    await q.query(`ALTER TABLE "flow" DROP COLUMN "activation"`);
    await q.query(`ALTER TABLE "flow" DROP COLUMN "audiences"`);
    await q.query(`ALTER TABLE "flow" DROP COLUMN "fieldsNotStated"`);
    await q.query(`ALTER TABLE "subprocessor" DROP COLUMN "transfers"`);
    await q.query(`ALTER TABLE "subprocessor" DROP COLUMN "parent"`);
    await q.query(`ALTER TABLE "data_map_state" DROP COLUMN "organizationProfile"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL's side of two SQLite migrations that landed beside the PostgreSQL schema:
 * `DescriptionTranslations1795330000000` (translated purpose and flow descriptions) and
 * `ConsentCheckpoints1795400000000` (signed checkpoints over the consent log, append-only).
 */
export class PostgresTranslationsAndCheckpoints1796116400486 implements MigrationInterface {
  name = 'PostgresTranslationsAndCheckpoints1796116400486';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "purpose" ADD COLUMN "descriptions" text`);
    await q.query(`ALTER TABLE "flow" ADD COLUMN "descriptions" text`);
    await q.query(
      `CREATE TABLE "consent_checkpoint" ("id" integer NOT NULL, "firstEventId" integer NOT NULL, "lastEventId" integer NOT NULL, "payload" text NOT NULL, "signature" varchar(100) NOT NULL, "kid" varchar(64) NOT NULL, CONSTRAINT "PK_consent_checkpoint" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_consent_checkpoint_last_event" ON "consent_checkpoint" ("lastEventId")`);
    await q.query(`CREATE FUNCTION "consent_checkpoint_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'consent_checkpoint is append-only: % is not allowed', TG_OP; END $$`);
    await q.query(`CREATE TRIGGER "consent_checkpoint_no_update" BEFORE UPDATE ON "consent_checkpoint" FOR EACH ROW EXECUTE FUNCTION "consent_checkpoint_append_only"()`);
    await q.query(`CREATE TRIGGER "consent_checkpoint_no_delete" BEFORE DELETE ON "consent_checkpoint" FOR EACH ROW EXECUTE FUNCTION "consent_checkpoint_append_only"()`);
    await q.query(`CREATE TRIGGER "consent_checkpoint_no_truncate" BEFORE TRUNCATE ON "consent_checkpoint" FOR EACH STATEMENT EXECUTE FUNCTION "consent_checkpoint_append_only"()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "consent_checkpoint"`);
    await q.query(`DROP FUNCTION "consent_checkpoint_append_only"()`);
    await q.query(`ALTER TABLE "flow" DROP COLUMN "descriptions"`);
    await q.query(`ALTER TABLE "purpose" DROP COLUMN "descriptions"`);
  }
}

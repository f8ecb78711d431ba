import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed checkpoints over the consent log (`src/consent/checkpoint.ts`), append-only like
 * `consent_event`. Events recorded before this migration are not covered by any
 * checkpoint; `consent verify` reports them as such (see docs/consent.md).
 */
export class ConsentCheckpoints1795400000000 implements MigrationInterface {
  name = 'ConsentCheckpoints1795400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "consent_checkpoint" ("id" integer PRIMARY KEY NOT NULL, "firstEventId" integer NOT NULL, "lastEventId" integer NOT NULL, "payload" text NOT NULL, "signature" varchar(100) NOT NULL, "kid" varchar(64) NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_consent_checkpoint_last_event" ON "consent_checkpoint" ("lastEventId") `);
    // Written by hand, as for consent_event: speed bumps for everything that uses this
    // database; the signatures are what an edit of the file cannot get past.
    await queryRunner.query(
      `CREATE TRIGGER "consent_checkpoint_no_update" BEFORE UPDATE ON "consent_checkpoint" BEGIN SELECT RAISE(ABORT, 'consent_checkpoint is append-only: UPDATE is not allowed'); END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "consent_checkpoint_no_delete" BEFORE DELETE ON "consent_checkpoint" BEGIN SELECT RAISE(ABORT, 'consent_checkpoint is append-only: DELETE is not allowed'); END`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "consent_checkpoint_no_delete"`);
    await queryRunner.query(`DROP TRIGGER "consent_checkpoint_no_update"`);
    await queryRunner.query(`DROP INDEX "IDX_consent_checkpoint_last_event"`);
    await queryRunner.query(`DROP TABLE "consent_checkpoint"`);
  }
}

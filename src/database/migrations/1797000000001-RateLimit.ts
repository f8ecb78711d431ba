import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQLite: `rate_limit`, the counters of failed authentications and demo logins, shared by
 * every process on the file (`DatabaseRateLimitStore`). `key` is the rule's name and the
 * counted key (`auth-failure:ip:…`); `expiresAt` (epoch ms) ends the window or the block.
 */
export class RateLimit1797000000001 implements MigrationInterface {
  name = 'RateLimit1797000000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "rate_limit" ("key" varchar(200) PRIMARY KEY NOT NULL, "points" integer NOT NULL, "expiresAt" bigint NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_rate_limit_expires" ON "rate_limit" ("expiresAt")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** PostgreSQL's side of `RateLimit1797000000001`: the rate-limit counters every instance shares. */
export class PostgresRateLimit1797000000002 implements MigrationInterface {
  name = 'PostgresRateLimit1797000000002';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "rate_limit" ("key" varchar(200) NOT NULL, "points" integer NOT NULL, "expiresAt" bigint NOT NULL, CONSTRAINT "PK_rate_limit" PRIMARY KEY ("key"))`,
    );
    await q.query(`CREATE INDEX "IDX_rate_limit_expires" ON "rate_limit" ("expiresAt")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "rate_limit"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** PostgreSQL's side of `SubprocessorEndpoints1796118088970`: the hosts a subprocessor is reached at. */
export class PostgresSubprocessorEndpoints1796118088971 implements MigrationInterface {
  name = 'PostgresSubprocessorEndpoints1796118088971';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "subprocessor" ADD COLUMN "endpoints" text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "subprocessor" DROP COLUMN "endpoints"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `subprocessor.endpoints`: the hosts (and path prefixes) each subprocessor is reached at,
 * as JSON, for the egress guard. Null for subprocessors that declare none.
 */
export class SubprocessorEndpoints1796118088970 implements MigrationInterface {
  name = 'SubprocessorEndpoints1796118088970';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subprocessor" ADD COLUMN "endpoints" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subprocessor" DROP COLUMN "endpoints"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/** PostgreSQL: `change_notice.facts`, as the SQLite migration NoticeFacts1798400000001. */
export class PostgresNoticeFacts1798400000002 implements MigrationInterface {
  name = 'PostgresNoticeFacts1798400000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "change_notice" ADD COLUMN "facts" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "change_notice" DROP COLUMN "facts"`);
  }
}

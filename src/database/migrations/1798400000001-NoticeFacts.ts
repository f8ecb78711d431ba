import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQLite: `change_notice.facts`, each change of a notice as facts (JSON), from which the
 * public page writes its sentences in the page's language. Null on notices stored before:
 * they keep the English sentences of `changes`.
 */
export class NoticeFacts1798400000001 implements MigrationInterface {
  name = 'NoticeFacts1798400000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "change_notice" ADD COLUMN "facts" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "change_notice" DROP COLUMN "facts"`);
  }
}

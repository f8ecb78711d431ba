import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Translations of purpose and flow descriptions (`description: { en: …, de: … }` in a
 * manifest), shown by the preference centre in the user's language. JSON text, nullable:
 * maps without translations are unchanged.
 */
export class DescriptionTranslations1795330000000 implements MigrationInterface {
  name = 'DescriptionTranslations1795330000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "purpose" ADD COLUMN "descriptions" text`);
    await queryRunner.query(`ALTER TABLE "flow" ADD COLUMN "descriptions" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "flow" DROP COLUMN "descriptions"`);
    await queryRunner.query(`ALTER TABLE "purpose" DROP COLUMN "descriptions"`);
  }
}

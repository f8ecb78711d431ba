import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Manifest format 2: the organisation block beside the map version, a subprocessor's
 * parent entity and onward transfers, and per flow whether its data categories are
 * stated, its audiences and its activation by a feature. Every new column is nullable or
 * has a default, so rows written before keep their meaning (fields stated, no audience).
 * `subprocessor.locations` keeps its JSON column: `"not-stated"` is stored as a JSON string.
 */
export class ManifestV21796116363108 implements MigrationInterface {
  name = 'ManifestV21796116363108';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_map_state" ADD COLUMN "organizationProfile" text`);
    await queryRunner.query(`ALTER TABLE "subprocessor" ADD COLUMN "parent" varchar(200)`);
    await queryRunner.query(`ALTER TABLE "subprocessor" ADD COLUMN "transfers" text`);
    await queryRunner.query(`ALTER TABLE "flow" ADD COLUMN "fieldsNotStated" boolean NOT NULL DEFAULT (0)`);
    await queryRunner.query(`ALTER TABLE "flow" ADD COLUMN "audiences" text`);
    await queryRunner.query(`ALTER TABLE "flow" ADD COLUMN "activation" varchar(20)`);
    await queryRunner.query(`ALTER TABLE "flow" ADD COLUMN "feature" varchar(200)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "flow" DROP COLUMN "feature"`);
    await queryRunner.query(`ALTER TABLE "flow" DROP COLUMN "activation"`);
    await queryRunner.query(`ALTER TABLE "flow" DROP COLUMN "audiences"`);
    await queryRunner.query(`ALTER TABLE "flow" DROP COLUMN "fieldsNotStated"`);
    await queryRunner.query(`ALTER TABLE "subprocessor" DROP COLUMN "transfers"`);
    await queryRunner.query(`ALTER TABLE "subprocessor" DROP COLUMN "parent"`);
    await queryRunner.query(`ALTER TABLE "data_map_state" DROP COLUMN "organizationProfile"`);
  }
}

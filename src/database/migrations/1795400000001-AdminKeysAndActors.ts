import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-person admin keys with a role, the map's change history with its actor, and who
 * created and revoked each service token.
 */
export class AdminKeysAndActors1795400000001 implements MigrationInterface {
  name = 'AdminKeysAndActors1795400000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "admin_key" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "role" varchar(10) NOT NULL, "keyHash" varchar(64) NOT NULL, "prefix" varchar(20) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "createdBy" varchar(120) NOT NULL, "revokedAt" datetime, "revokedBy" varchar(120), CONSTRAINT "UQ_admin_key_name" UNIQUE ("name"), CONSTRAINT "UQ_admin_key_hash" UNIQUE ("keyHash"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "map_change" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "version" integer NOT NULL, "actor" varchar(120) NOT NULL, "changedAt" datetime NOT NULL DEFAULT (datetime('now')), "diff" text NOT NULL, CONSTRAINT "UQ_map_change_version" UNIQUE ("version"))`,
    );
    await queryRunner.query(`ALTER TABLE "service_token" ADD COLUMN "createdBy" varchar(120)`);
    await queryRunner.query(`ALTER TABLE "service_token" ADD COLUMN "revokedBy" varchar(120)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "service_token" DROP COLUMN "revokedBy"`);
    await queryRunner.query(`ALTER TABLE "service_token" DROP COLUMN "createdBy"`);
    await queryRunner.query(`DROP TABLE "map_change"`);
    await queryRunner.query(`DROP TABLE "admin_key"`);
  }
}

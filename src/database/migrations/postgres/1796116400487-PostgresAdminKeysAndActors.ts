import type { MigrationInterface, QueryRunner } from 'typeorm';

/** PostgreSQL's side of `AdminKeysAndActors1795400000001`: admin keys, the map's history, token actors. */
export class PostgresAdminKeysAndActors1796116400487 implements MigrationInterface {
  name = 'PostgresAdminKeysAndActors1796116400487';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "admin_key" ("id" SERIAL NOT NULL, "name" varchar(100) NOT NULL, "role" varchar(10) NOT NULL, "keyHash" varchar(64) NOT NULL, "prefix" varchar(20) NOT NULL, "createdAt" timestamp NOT NULL DEFAULT now(), "createdBy" varchar(120) NOT NULL, "revokedAt" timestamp, "revokedBy" varchar(120), CONSTRAINT "UQ_admin_key_name" UNIQUE ("name"), CONSTRAINT "UQ_admin_key_hash" UNIQUE ("keyHash"), CONSTRAINT "PK_admin_key" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "map_change" ("id" SERIAL NOT NULL, "version" integer NOT NULL, "actor" varchar(120) NOT NULL, "changedAt" timestamp NOT NULL DEFAULT now(), "diff" text NOT NULL, CONSTRAINT "UQ_map_change_version" UNIQUE ("version"), CONSTRAINT "PK_map_change" PRIMARY KEY ("id"))`,
    );
    await q.query(`ALTER TABLE "service_token" ADD COLUMN "createdBy" varchar(120)`);
    await q.query(`ALTER TABLE "service_token" ADD COLUMN "revokedBy" varchar(120)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "service_token" DROP COLUMN "revokedBy"`);
    await q.query(`ALTER TABLE "service_token" DROP COLUMN "createdBy"`);
    await q.query(`DROP TABLE "map_change"`);
    await q.query(`DROP TABLE "admin_key"`);
  }
}

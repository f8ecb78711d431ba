import { MigrationInterface, QueryRunner } from "typeorm";

export class InitialSchema1795312535028 implements MigrationInterface {
    name = 'InitialSchema1795312535028'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "data_map_state" ("id" integer PRIMARY KEY NOT NULL, "version" integer NOT NULL, "organization" varchar(200), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE TABLE "field" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "key" varchar(100) NOT NULL, "name" varchar(200) NOT NULL, "sensitivity" varchar(20) NOT NULL, "paths" text NOT NULL, "description" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_3df3435514867f0adea48430cfa" UNIQUE ("key"))`);
        await queryRunner.query(`CREATE TABLE "purpose" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "key" varchar(100) NOT NULL, "name" varchar(200) NOT NULL, "description" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_ff68a76b76d085f6625eae57b93" UNIQUE ("key"))`);
        await queryRunner.query(`CREATE TABLE "subprocessor" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "key" varchar(100) NOT NULL, "name" varchar(200) NOT NULL, "url" varchar(500), "legalEntity" varchar(200), "address" text, "locations" text NOT NULL, "category" varchar(30) NOT NULL, "transferMechanism" varchar(20), "description" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_6a9dce0ee847300c85cfcce9c93" UNIQUE ("key"))`);
        await queryRunner.query(`CREATE TABLE "flow" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "key" varchar(201) NOT NULL, "subprocessorId" integer NOT NULL, "purposeId" integer NOT NULL, "mode" varchar(10) NOT NULL, "legalBasis" varchar(30) NOT NULL, "version" integer NOT NULL DEFAULT (1), "description" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_749f4e3e2ef9ad83a33afa7bfa9" UNIQUE ("key"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_flow_subprocessor_purpose" ON "flow" ("subprocessorId", "purposeId") `);
        await queryRunner.query(`CREATE TABLE "flow_field" ("flowId" integer NOT NULL, "fieldId" integer NOT NULL, "role" varchar(10) NOT NULL, "since" integer NOT NULL, PRIMARY KEY ("flowId", "fieldId"))`);
        await queryRunner.query(`DROP INDEX "UQ_flow_subprocessor_purpose"`);
        await queryRunner.query(`CREATE TABLE "temporary_flow" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "key" varchar(201) NOT NULL, "subprocessorId" integer NOT NULL, "purposeId" integer NOT NULL, "mode" varchar(10) NOT NULL, "legalBasis" varchar(30) NOT NULL, "version" integer NOT NULL DEFAULT (1), "description" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_749f4e3e2ef9ad83a33afa7bfa9" UNIQUE ("key"), CONSTRAINT "FK_31a7489a72c0b0f2df7093d91b8" FOREIGN KEY ("subprocessorId") REFERENCES "subprocessor" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, CONSTRAINT "FK_611666ca617c78b55be8256713c" FOREIGN KEY ("purposeId") REFERENCES "purpose" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`);
        await queryRunner.query(`INSERT INTO "temporary_flow"("id", "key", "subprocessorId", "purposeId", "mode", "legalBasis", "version", "description", "createdAt", "updatedAt") SELECT "id", "key", "subprocessorId", "purposeId", "mode", "legalBasis", "version", "description", "createdAt", "updatedAt" FROM "flow"`);
        await queryRunner.query(`DROP TABLE "flow"`);
        await queryRunner.query(`ALTER TABLE "temporary_flow" RENAME TO "flow"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_flow_subprocessor_purpose" ON "flow" ("subprocessorId", "purposeId") `);
        await queryRunner.query(`CREATE TABLE "temporary_flow_field" ("flowId" integer NOT NULL, "fieldId" integer NOT NULL, "role" varchar(10) NOT NULL, "since" integer NOT NULL, CONSTRAINT "FK_fb4687754dbde5570fa40a3efd7" FOREIGN KEY ("flowId") REFERENCES "flow" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_08e58450ff5278b568741064989" FOREIGN KEY ("fieldId") REFERENCES "field" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, PRIMARY KEY ("flowId", "fieldId"))`);
        await queryRunner.query(`INSERT INTO "temporary_flow_field"("flowId", "fieldId", "role", "since") SELECT "flowId", "fieldId", "role", "since" FROM "flow_field"`);
        await queryRunner.query(`DROP TABLE "flow_field"`);
        await queryRunner.query(`ALTER TABLE "temporary_flow_field" RENAME TO "flow_field"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "flow_field" RENAME TO "temporary_flow_field"`);
        await queryRunner.query(`CREATE TABLE "flow_field" ("flowId" integer NOT NULL, "fieldId" integer NOT NULL, "role" varchar(10) NOT NULL, "since" integer NOT NULL, PRIMARY KEY ("flowId", "fieldId"))`);
        await queryRunner.query(`INSERT INTO "flow_field"("flowId", "fieldId", "role", "since") SELECT "flowId", "fieldId", "role", "since" FROM "temporary_flow_field"`);
        await queryRunner.query(`DROP TABLE "temporary_flow_field"`);
        await queryRunner.query(`DROP INDEX "UQ_flow_subprocessor_purpose"`);
        await queryRunner.query(`ALTER TABLE "flow" RENAME TO "temporary_flow"`);
        await queryRunner.query(`CREATE TABLE "flow" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "key" varchar(201) NOT NULL, "subprocessorId" integer NOT NULL, "purposeId" integer NOT NULL, "mode" varchar(10) NOT NULL, "legalBasis" varchar(30) NOT NULL, "version" integer NOT NULL DEFAULT (1), "description" text, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "UQ_749f4e3e2ef9ad83a33afa7bfa9" UNIQUE ("key"))`);
        await queryRunner.query(`INSERT INTO "flow"("id", "key", "subprocessorId", "purposeId", "mode", "legalBasis", "version", "description", "createdAt", "updatedAt") SELECT "id", "key", "subprocessorId", "purposeId", "mode", "legalBasis", "version", "description", "createdAt", "updatedAt" FROM "temporary_flow"`);
        await queryRunner.query(`DROP TABLE "temporary_flow"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_flow_subprocessor_purpose" ON "flow" ("subprocessorId", "purposeId") `);
        await queryRunner.query(`DROP TABLE "flow_field"`);
        await queryRunner.query(`DROP INDEX "UQ_flow_subprocessor_purpose"`);
        await queryRunner.query(`DROP TABLE "flow"`);
        await queryRunner.query(`DROP TABLE "subprocessor"`);
        await queryRunner.query(`DROP TABLE "purpose"`);
        await queryRunner.query(`DROP TABLE "field"`);
        await queryRunner.query(`DROP TABLE "data_map_state"`);
    }

}

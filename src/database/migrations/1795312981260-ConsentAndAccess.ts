import { MigrationInterface, QueryRunner } from "typeorm";

export class ConsentAndAccess1795312981260 implements MigrationInterface {
    name = 'ConsentAndAccess1795312981260'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "service_token" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(100) NOT NULL, "tokenHash" varchar(64) NOT NULL, "prefix" varchar(20) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "revokedAt" datetime, CONSTRAINT "UQ_634fec1d6663b425214b2ad1386" UNIQUE ("tokenHash"))`);
        await queryRunner.query(`CREATE TABLE "consent_event" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "userId" varchar(128) NOT NULL, "seq" integer NOT NULL, "flowKey" varchar(201), "choice" varchar(10) NOT NULL, "source" varchar(20) NOT NULL, "flowVersion" integer, "noticeHash" varchar(64), "actor" varchar(150) NOT NULL, "recordedAt" varchar(24) NOT NULL, "prevHash" varchar(64) NOT NULL, "hash" varchar(64) NOT NULL)`);
        await queryRunner.query(`CREATE UNIQUE INDEX "UQ_consent_event_user_seq" ON "consent_event" ("userId", "seq") `);
        // Written by hand: the consent log is append-only for everything that uses this database.
        await queryRunner.query(`CREATE TRIGGER "consent_event_no_update" BEFORE UPDATE ON "consent_event" BEGIN SELECT RAISE(ABORT, 'consent_event is append-only: UPDATE is not allowed'); END`);
        await queryRunner.query(`CREATE TRIGGER "consent_event_no_delete" BEFORE DELETE ON "consent_event" BEGIN SELECT RAISE(ABORT, 'consent_event is append-only: DELETE is not allowed'); END`);
        await queryRunner.query(`CREATE TABLE "consent_notice" ("hash" varchar(64) PRIMARY KEY NOT NULL, "text" text NOT NULL)`);
        await queryRunner.query(`CREATE TABLE "consent_state" ("userId" varchar(128) NOT NULL, "flowKey" varchar(201) NOT NULL, "choice" varchar(10) NOT NULL, "flowVersion" integer NOT NULL, "source" varchar(20) NOT NULL, "eventId" integer NOT NULL, "recordedAt" varchar(24) NOT NULL, PRIMARY KEY ("userId", "flowKey"))`);
        await queryRunner.query(`CREATE TABLE "consent_subject" ("userId" varchar(128) PRIMARY KEY NOT NULL, "version" integer NOT NULL, "lastHash" varchar(64) NOT NULL, "gpc" boolean NOT NULL DEFAULT (0), "gpcAt" varchar(24))`);
        await queryRunner.query(`CREATE TABLE "consent_idempotency" ("userId" varchar(128) NOT NULL, "key" varchar(200) NOT NULL, "requestHash" varchar(64) NOT NULL, "response" text NOT NULL, "createdAt" varchar(24) NOT NULL, PRIMARY KEY ("userId", "key"))`);
        await queryRunner.query(`CREATE TABLE "change_log" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "kind" varchar(10) NOT NULL, "userId" varchar(128), "version" integer NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "change_log"`);
        await queryRunner.query(`DROP TABLE "consent_idempotency"`);
        await queryRunner.query(`DROP TABLE "consent_subject"`);
        await queryRunner.query(`DROP TABLE "consent_state"`);
        await queryRunner.query(`DROP TABLE "consent_notice"`);
        await queryRunner.query(`DROP TRIGGER "consent_event_no_delete"`);
        await queryRunner.query(`DROP TRIGGER "consent_event_no_update"`);
        await queryRunner.query(`DROP INDEX "UQ_consent_event_user_seq"`);
        await queryRunner.query(`DROP TABLE "consent_event"`);
        await queryRunner.query(`DROP TABLE "service_token"`);
    }

}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: the whole schema as the SQLite migrations leave it (up to `JobLease`), in one
 * step, with the same table, column, index and constraint names. Later changes get a
 * migration here and one beside the SQLite ones.
 */
export class PostgresSchema1796116400485 implements MigrationInterface {
  name = 'PostgresSchema1796116400485';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "data_map_state" ("id" integer NOT NULL, "version" integer NOT NULL, "organization" varchar(200), "updatedAt" timestamp NOT NULL DEFAULT now(), CONSTRAINT "PK_data_map_state" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "field" ("id" SERIAL NOT NULL, "key" varchar(100) NOT NULL, "name" varchar(200) NOT NULL, "sensitivity" varchar(20) NOT NULL, "paths" text NOT NULL, "description" text, "createdAt" timestamp NOT NULL DEFAULT now(), "updatedAt" timestamp NOT NULL DEFAULT now(), CONSTRAINT "UQ_3df3435514867f0adea48430cfa" UNIQUE ("key"), CONSTRAINT "PK_field" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "purpose" ("id" SERIAL NOT NULL, "key" varchar(100) NOT NULL, "name" varchar(200) NOT NULL, "description" text, "createdAt" timestamp NOT NULL DEFAULT now(), "updatedAt" timestamp NOT NULL DEFAULT now(), CONSTRAINT "UQ_ff68a76b76d085f6625eae57b93" UNIQUE ("key"), CONSTRAINT "PK_purpose" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "subprocessor" ("id" SERIAL NOT NULL, "key" varchar(100) NOT NULL, "name" varchar(200) NOT NULL, "url" varchar(500), "legalEntity" varchar(200), "address" text, "locations" text NOT NULL, "category" varchar(30) NOT NULL, "transferMechanism" varchar(20), "description" text, "createdAt" timestamp NOT NULL DEFAULT now(), "updatedAt" timestamp NOT NULL DEFAULT now(), CONSTRAINT "UQ_6a9dce0ee847300c85cfcce9c93" UNIQUE ("key"), CONSTRAINT "PK_subprocessor" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "flow" ("id" SERIAL NOT NULL, "key" varchar(201) NOT NULL, "subprocessorId" integer NOT NULL, "purposeId" integer NOT NULL, "mode" varchar(10) NOT NULL, "legalBasis" varchar(30) NOT NULL, "version" integer NOT NULL DEFAULT 1, "description" text, "createdAt" timestamp NOT NULL DEFAULT now(), "updatedAt" timestamp NOT NULL DEFAULT now(), CONSTRAINT "UQ_749f4e3e2ef9ad83a33afa7bfa9" UNIQUE ("key"), CONSTRAINT "PK_flow" PRIMARY KEY ("id"), CONSTRAINT "FK_31a7489a72c0b0f2df7093d91b8" FOREIGN KEY ("subprocessorId") REFERENCES "subprocessor" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, CONSTRAINT "FK_611666ca617c78b55be8256713c" FOREIGN KEY ("purposeId") REFERENCES "purpose" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`);
    await q.query(`CREATE UNIQUE INDEX "UQ_flow_subprocessor_purpose" ON "flow" ("subprocessorId", "purposeId")`);
    await q.query(`CREATE TABLE "flow_field" ("flowId" integer NOT NULL, "fieldId" integer NOT NULL, "role" varchar(10) NOT NULL, "since" integer NOT NULL, CONSTRAINT "PK_flow_field" PRIMARY KEY ("flowId", "fieldId"), CONSTRAINT "FK_fb4687754dbde5570fa40a3efd7" FOREIGN KEY ("flowId") REFERENCES "flow" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_08e58450ff5278b568741064989" FOREIGN KEY ("fieldId") REFERENCES "field" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`);

    await q.query(`CREATE TABLE "service_token" ("id" SERIAL NOT NULL, "name" varchar(100) NOT NULL, "tokenHash" varchar(64) NOT NULL, "prefix" varchar(20) NOT NULL, "createdAt" timestamp NOT NULL DEFAULT now(), "revokedAt" timestamp, CONSTRAINT "UQ_634fec1d6663b425214b2ad1386" UNIQUE ("tokenHash"), CONSTRAINT "PK_service_token" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "consent_event" ("id" SERIAL NOT NULL, "userId" varchar(128) NOT NULL, "seq" integer NOT NULL, "flowKey" varchar(201), "choice" varchar(10) NOT NULL, "source" varchar(20) NOT NULL, "flowVersion" integer, "noticeHash" varchar(64), "actor" varchar(150) NOT NULL, "recordedAt" varchar(24) NOT NULL, "prevHash" varchar(64) NOT NULL, "hash" varchar(64) NOT NULL, CONSTRAINT "PK_consent_event" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "UQ_consent_event_user_seq" ON "consent_event" ("userId", "seq")`);
    // Written by hand: the consent log is append-only for everything that uses this database.
    await q.query(`CREATE FUNCTION "consent_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'consent_event is append-only: % is not allowed', TG_OP; END $$`);
    await q.query(`CREATE TRIGGER "consent_event_no_update" BEFORE UPDATE ON "consent_event" FOR EACH ROW EXECUTE FUNCTION "consent_event_append_only"()`);
    await q.query(`CREATE TRIGGER "consent_event_no_delete" BEFORE DELETE ON "consent_event" FOR EACH ROW EXECUTE FUNCTION "consent_event_append_only"()`);
    await q.query(`CREATE TRIGGER "consent_event_no_truncate" BEFORE TRUNCATE ON "consent_event" FOR EACH STATEMENT EXECUTE FUNCTION "consent_event_append_only"()`);
    await q.query(`CREATE TABLE "consent_notice" ("hash" varchar(64) NOT NULL, "text" text NOT NULL, CONSTRAINT "PK_consent_notice" PRIMARY KEY ("hash"))`);
    await q.query(`CREATE TABLE "consent_state" ("userId" varchar(128) NOT NULL, "flowKey" varchar(201) NOT NULL, "choice" varchar(10) NOT NULL, "flowVersion" integer NOT NULL, "source" varchar(20) NOT NULL, "eventId" integer NOT NULL, "recordedAt" varchar(24) NOT NULL, CONSTRAINT "PK_consent_state" PRIMARY KEY ("userId", "flowKey"))`);
    await q.query(`CREATE TABLE "consent_subject" ("userId" varchar(128) NOT NULL, "version" integer NOT NULL, "lastHash" varchar(64) NOT NULL, "gpc" boolean NOT NULL DEFAULT false, "gpcAt" varchar(24), CONSTRAINT "PK_consent_subject" PRIMARY KEY ("userId"))`);
    await q.query(`CREATE TABLE "consent_idempotency" ("userId" varchar(128) NOT NULL, "key" varchar(200) NOT NULL, "requestHash" varchar(64) NOT NULL, "response" text NOT NULL, "createdAt" varchar(24) NOT NULL, CONSTRAINT "PK_consent_idempotency" PRIMARY KEY ("userId", "key"))`);
    await q.query(`CREATE TABLE "change_log" ("id" SERIAL NOT NULL, "kind" varchar(10) NOT NULL, "userId" varchar(128), "version" integer NOT NULL, "createdAt" timestamp NOT NULL DEFAULT now(), CONSTRAINT "PK_change_log" PRIMARY KEY ("id"))`);

    await q.query(`CREATE TABLE "audit_batch" ("id" SERIAL NOT NULL, "service" varchar(100) NOT NULL, "tokenId" integer NOT NULL, "receivedAt" bigint NOT NULL, "dropped" integer NOT NULL DEFAULT 0, CONSTRAINT "PK_audit_batch" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "IDX_audit_batch_received" ON "audit_batch" ("receivedAt")`);
    await q.query(`CREATE TABLE "audit_event" ("id" SERIAL NOT NULL, "batchId" integer NOT NULL, "kind" varchar(10) NOT NULL, "subprocessor" varchar(100) NOT NULL, "purpose" varchar(100), "field" varchar(300) NOT NULL, "reason" varchar(40) NOT NULL, "mode" varchar(10) NOT NULL, "policyVersion" integer NOT NULL, "count" integer NOT NULL, "firstAt" bigint NOT NULL, "lastAt" bigint NOT NULL, CONSTRAINT "PK_audit_event" PRIMARY KEY ("id"), CONSTRAINT "FK_61372769364589ded54239a576c" FOREIGN KEY ("batchId") REFERENCES "audit_batch" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await q.query(`CREATE INDEX "IDX_audit_event_last" ON "audit_event" ("lastAt")`);
    await q.query(`CREATE INDEX "IDX_audit_event_kind_last" ON "audit_event" ("kind", "lastAt")`);
    await q.query(`CREATE INDEX "IDX_audit_event_batch" ON "audit_event" ("batchId")`);

    await q.query(`CREATE TABLE "job_lease" ("name" varchar(50) NOT NULL, "holder" varchar(100) NOT NULL, "leaseUntil" bigint NOT NULL, CONSTRAINT "PK_job_lease" PRIMARY KEY ("name"))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['job_lease', 'audit_event', 'audit_batch', 'change_log', 'consent_idempotency', 'consent_subject',
      'consent_state', 'consent_notice', 'consent_event', 'service_token', 'flow_field', 'flow', 'subprocessor', 'purpose',
      'field', 'data_map_state']) {
      await q.query(`DROP TABLE "${table}"`);
    }
    await q.query(`DROP FUNCTION "consent_event_append_only"()`);
  }
}

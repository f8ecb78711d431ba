import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PostgresConsentWriteFunctionsJsonb1798400000003 } from './1798400000003-PostgresConsentWriteFunctionsJsonb';

/**
 * PostgreSQL only: `flowgate_consent_write`, the consent writer's whole group-commit batch
 * in one statement, sent on its own (autocommit: the statement is its own transaction, so a
 * batch is one round trip instead of `flowgate_consent_begin` + `flowgate_consent_commit`'s
 * two, with BEGIN and COMMIT; those stay, for the writer's fallback).
 *
 * The writer builds the batch on what it remembers of its own last writes: the users' chain
 * heads, the newest checkpoint and the next free event id. The function takes the same
 * locks in the same order as `flowgate_consent_begin` (the users' advisory locks in the
 * order given, sorted by the writer; then the checkpoint lock), then checks, under them,
 * everything the batch was built on:
 * - each user's chain head (`consent_subject`) is the one the batch's events follow (none
 *   for a head of version 0);
 * - the newest checkpoint is the one the batch's checkpoint follows (id and signature);
 * - the batch's first event id is at or past the next id `consent_event`'s sequence would
 *   hand out (every writer takes ids from it, or moves it past the ids it used, under the
 *   checkpoint lock: the ids are free, and above every id of an earlier checkpoint);
 * - none of the idempotency keys the batch records is stored already.
 * Then it moves the sequence past the batch's ids and inserts everything through
 * `flowgate_consent_insert`, which `flowgate_consent_commit` now calls too (notices, events,
 * checkpoint, state projection, heads, idempotency records; then, under the change log's lock,
 * its rows in order and the NOTIFY), and returns
 * `{"ok": true, "ids": [change-log ids, ascending]}`.
 *
 * If any check fails it writes nothing and returns `{"ok": false, …}` with what
 * `flowgate_consent_begin` reads (the users' heads, the stored idempotency records asked for
 * in `keys`, the newest checkpoint) and `nextEventId`, the next id the sequence hands out,
 * plus `changed`: every user with an event after `expect.sinceEventId` (the last event id
 * the writer's memory of heads is whole for), their heads among `heads`, so the writer's
 * memory is whole again; null when more than 10,000 events came since (the writer then
 * forgets the heads it had). The writer rebuilds the batch on that and sends it again, or
 * takes the two-step path.
 *
 * `p`: the commit batch of `flowgate_consent_commit`, plus `users` (every user of the batch,
 * sorted), `keys` (`[{userId, key}]`, every keyed request) and `expect`
 * (`{heads: [{userId, version, lastHash}], checkpoint: {id, signature} | null, firstEventId, sinceEventId}`).
 */
export class PostgresConsentWriteOnce1798700000001 implements MigrationInterface {
  name = 'PostgresConsentWriteOnce1798700000001';

  public async up(q: QueryRunner): Promise<void> {
    // The batch's rows, shared by both write paths (one set of INSERTs, so the two cannot drift).
    await q.query(consentInsertFunction('CREATE', APPEND_AND_NOTIFY_LAST_ID));
    await q.query(`CREATE OR REPLACE FUNCTION "flowgate_consent_commit"(p json, p_lock_namespace integer, p_change_log_lock integer,
        p_channel text) RETURNS integer[] LANGUAGE plpgsql AS $$
      BEGIN
        RETURN flowgate_consent_insert(p::jsonb, p_lock_namespace, p_change_log_lock, p_channel);
      END $$`);
    await q.query(`CREATE FUNCTION "flowgate_consent_write"(p json, p_lock_namespace integer, p_checkpoint_lock integer,
        p_change_log_lock integer, p_channel text) RETURNS json LANGUAGE plpgsql AS $$
      DECLARE
        b jsonb := p::jsonb;
        e jsonb := b->'expect';
        u text;
        users text[];
        next_free bigint;
        stale boolean;
        last_event bigint;
        ids integer[];
        since_count integer;
        changed text[];
      BEGIN
        SELECT array_agg(x ORDER BY n) INTO users FROM jsonb_array_elements_text(b->'users') WITH ORDINALITY AS t(x, n);
        FOREACH u IN ARRAY COALESCE(users, '{}') LOOP
          PERFORM pg_advisory_xact_lock(hashtextextended(u, 0));
        END LOOP;
        PERFORM pg_advisory_xact_lock(p_lock_namespace, p_checkpoint_lock);
        next_free := COALESCE(pg_sequence_last_value(pg_get_serial_sequence('consent_event', 'id')::regclass), 0) + 1;
        stale :=
          (e->>'firstEventId')::bigint < next_free
          OR EXISTS (SELECT 1 FROM (SELECT 1) AS one
                       LEFT JOIN (SELECT id, signature FROM consent_checkpoint ORDER BY id DESC LIMIT 1) AS c ON true
                      WHERE c.id IS DISTINCT FROM (e->'checkpoint'->>'id')::integer
                         OR c.signature IS DISTINCT FROM e->'checkpoint'->>'signature')
          OR EXISTS (SELECT 1 FROM jsonb_to_recordset(e->'heads') AS h("userId" varchar, version integer, "lastHash" varchar)
                       LEFT JOIN consent_subject s ON s."userId" = h."userId"
                      WHERE COALESCE(s.version, 0) <> h.version OR (s."userId" IS NOT NULL AND s."lastHash" <> h."lastHash"))
          OR EXISTS (SELECT 1 FROM jsonb_to_recordset(b->'idempotency') AS k("userId" varchar, key varchar)
                       JOIN consent_idempotency i ON i."userId" = k."userId" AND i.key = k.key);
        IF stale THEN
          -- Whose chains moved since the writer's memory was last whole (at most 10,000 events
          -- back, an index range; past that the writer forgets every head instead).
          SELECT count(*), array_agg(DISTINCT ev."userId") INTO since_count, changed
            FROM (SELECT "userId" FROM consent_event WHERE id > (e->>'sinceEventId')::bigint ORDER BY id LIMIT 10001) AS ev;
          IF since_count > 10000 THEN
            changed := NULL;
          END IF;
          RETURN json_build_object(
            'ok', false,
            'heads', (SELECT json_agg(json_build_object('userId', s."userId", 'version', s.version, 'lastHash', s."lastHash",
                                                        'gpc', s.gpc, 'gpcAt', s."gpcAt"))
                        FROM consent_subject s WHERE s."userId" = ANY (users) OR s."userId" = ANY (COALESCE(changed, '{}'))),
            'changed', CASE WHEN since_count > 10000 THEN NULL ELSE COALESCE(to_json(changed), '[]'::json) END,
            'keys', (SELECT json_agg(json_build_object('userId', i."userId", 'key', i.key, 'requestHash', i."requestHash",
                                                       'response', i.response))
                       FROM consent_idempotency i
                       JOIN jsonb_to_recordset(b->'keys') AS k("userId" varchar, key varchar) ON i."userId" = k."userId" AND i.key = k.key),
            'nextEventId', next_free,
            'checkpoint', (SELECT row_to_json(c) FROM (SELECT id, "firstEventId", "lastEventId", payload, signature, kid
                                                         FROM consent_checkpoint ORDER BY id DESC LIMIT 1) AS c));
        END IF;
        -- Past the batch's ids (under the checkpoint lock, as every writer takes or passes them).
        SELECT max((x->>'id')::bigint) INTO last_event FROM jsonb_array_elements(b->'events') AS x;
        IF last_event IS NOT NULL THEN
          PERFORM setval(pg_get_serial_sequence('consent_event', 'id'), last_event);
        END IF;
        ids := flowgate_consent_insert(b, p_lock_namespace, p_change_log_lock, p_channel);
        RETURN json_build_object('ok', true, 'ids', to_json(ids));
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION "flowgate_consent_write"(json, integer, integer, integer, text)`);
    // flowgate_consent_commit as 1798400000003 made it (it calls the insert function until then).
    await new PostgresConsentWriteFunctionsJsonb1798400000003().up(q);
    await q.query(`DROP FUNCTION "flowgate_consent_insert"(jsonb, integer, integer, text)`);
  }
}

/**
 * `flowgate_consent_insert` (shared by both write paths) as `create` makes it: the batch's
 * INSERTs, then `appendAndNotify`, which appends the change-log rows under the log's lock
 * (held to commit), NOTIFYs and leaves their ids, ascending, in `ids`. Later migrations
 * replace only that last part.
 */
export function consentInsertFunction(create: 'CREATE' | 'CREATE OR REPLACE', appendAndNotify: string): string {
  return `${create} FUNCTION "flowgate_consent_insert"(b jsonb, p_lock_namespace integer, p_change_log_lock integer,
        p_channel text) RETURNS integer[] LANGUAGE plpgsql AS $$
      DECLARE
        ids integer[];
      BEGIN
        INSERT INTO consent_notice (hash, text)
          SELECT t.hash, t.text FROM jsonb_to_recordset(b->'notices') AS t(hash varchar, text text)
          ON CONFLICT DO NOTHING;
        INSERT INTO consent_event (id, "userId", seq, "flowKey", choice, source, "flowVersion", "noticeHash", actor, "recordedAt", "prevHash", hash)
          SELECT t.id, t."userId", t.seq, t."flowKey", t.choice, t.source, t."flowVersion", t."noticeHash", t.actor, t."recordedAt", t."prevHash", t.hash
            FROM jsonb_to_recordset(b->'events') AS t(id integer, "userId" varchar, seq integer, "flowKey" varchar, choice varchar,
              source varchar, "flowVersion" integer, "noticeHash" varchar, actor varchar, "recordedAt" varchar, "prevHash" varchar, hash varchar);
        INSERT INTO consent_checkpoint (id, "firstEventId", "lastEventId", payload, signature, kid)
          SELECT t.id, t."firstEventId", t."lastEventId", t.payload, t.signature, t.kid
            FROM jsonb_to_recordset(b->'checkpoints') AS t(id integer, "firstEventId" integer, "lastEventId" integer, payload text,
              signature varchar, kid varchar);
        INSERT INTO consent_state ("userId", "flowKey", choice, "flowVersion", source, "eventId", "recordedAt")
          SELECT t."userId", t."flowKey", t.choice, t."flowVersion", t.source, t."eventId", t."recordedAt"
            FROM jsonb_to_recordset(b->'states') AS t("userId" varchar, "flowKey" varchar, choice varchar, "flowVersion" integer,
              source varchar, "eventId" integer, "recordedAt" varchar)
          ON CONFLICT ("userId", "flowKey") DO UPDATE SET choice = excluded.choice, "flowVersion" = excluded."flowVersion",
            source = excluded.source, "eventId" = excluded."eventId", "recordedAt" = excluded."recordedAt";
        INSERT INTO consent_subject ("userId", version, "lastHash", gpc, "gpcAt")
          SELECT t."userId", t.version, t."lastHash", t.gpc, t."gpcAt"
            FROM jsonb_to_recordset(b->'subjects') AS t("userId" varchar, version integer, "lastHash" varchar, gpc boolean, "gpcAt" varchar)
          ON CONFLICT ("userId") DO UPDATE SET version = excluded.version, "lastHash" = excluded."lastHash",
            gpc = excluded.gpc, "gpcAt" = excluded."gpcAt";
        INSERT INTO consent_idempotency ("userId", key, "requestHash", response, "createdAt")
          SELECT t."userId", t.key, t."requestHash", t.response, t."createdAt"
            FROM jsonb_to_recordset(b->'idempotency') AS t("userId" varchar, key varchar, "requestHash" varchar, response text,
              "createdAt" varchar);
        IF jsonb_array_length(b->'log') = 0 THEN
          RETURN '{}';
        END IF;
${appendAndNotify}        RETURN ids;
      END $$`;
}

/** This migration's end of `flowgate_consent_insert`: the NOTIFY's payload is the last id. */
export const APPEND_AND_NOTIFY_LAST_ID = `        -- Held to commit: ids are taken and committed in the same order, so a follower that
        -- has read id n has seen every id below it.
        PERFORM pg_advisory_xact_lock(p_lock_namespace, p_change_log_lock);
        WITH inserted AS (
          INSERT INTO change_log (kind, "userId", version)
            SELECT t.kind, t."userId", t.version
              FROM ROWS FROM (jsonb_to_recordset(b->'log') AS (kind varchar, "userId" varchar, version integer))
                WITH ORDINALITY AS t(kind, "userId", version, n)
              ORDER BY t.n
            RETURNING id
        )
        SELECT array_agg(id ORDER BY id) INTO ids FROM inserted;
        PERFORM pg_notify(p_channel, ids[array_length(ids, 1)]::text);
`;

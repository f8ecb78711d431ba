import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL only (SQLite has no stored functions, and its writer runs on prepared statements
 * of the one in-process connection, where a statement costs no round trip): the consent
 * writer's two steps of a group-commit batch as functions, so a batch is two round trips
 * (`BEGIN; SELECT flowgate_consent_begin(…)`, then `SELECT flowgate_consent_commit(…); COMMIT`,
 * `WriteQueue.postgresTwoStep`) instead of one per lock, read and INSERT (about fourteen).
 * Between the two the writer hashes the events onto
 * the heads it was given and signs the batch's checkpoint; the locks taken by the first are
 * held to commit.
 *
 * `flowgate_consent_begin(users, keyUsers, keys, ids, lockNamespace, checkpointLock)`: takes
 * the users' advisory locks (in the order given: the writer sorts them, so two instances never
 * deadlock), then the checkpoint lock (one log-wide chain: batches from here to commit one
 * after another on every instance), and returns, as one JSON object, the users' chain heads
 * (`consent_subject`), the idempotency records asked for, `ids` event ids from the sequence
 * and the newest checkpoint (null: none yet).
 *
 * `flowgate_consent_commit(batch, lockNamespace, changeLogLock, channel)`: inserts the batch
 * (notices, events, the checkpoint, the state projection, the heads, idempotency records),
 * then, under the change log's lock held to commit, its `change_log` rows in order, notifies
 * `channel` with the newest id, and returns the new ids in ascending order.
 */
export class PostgresConsentWriteFunctions1798100000001 implements MigrationInterface {
  name = 'PostgresConsentWriteFunctions1798100000001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION "flowgate_consent_begin"(p_users text[], p_key_users text[], p_keys text[], p_ids integer,
        p_lock_namespace integer, p_checkpoint_lock integer) RETURNS json LANGUAGE plpgsql AS $$
      DECLARE
        u text;
        result json;
      BEGIN
        FOREACH u IN ARRAY p_users LOOP
          PERFORM pg_advisory_xact_lock(hashtextextended(u, 0));
        END LOOP;
        PERFORM pg_advisory_xact_lock(p_lock_namespace, p_checkpoint_lock);
        SELECT json_build_object(
          'heads', (SELECT json_agg(json_build_object('userId', s."userId", 'version', s.version, 'lastHash', s."lastHash",
                                                      'gpc', s.gpc, 'gpcAt', s."gpcAt"))
                      FROM consent_subject s WHERE s."userId" = ANY (p_users)),
          'keys', (SELECT json_agg(json_build_object('userId', i."userId", 'key', i.key, 'requestHash', i."requestHash",
                                                     'response', i.response))
                     FROM consent_idempotency i JOIN unnest(p_key_users, p_keys) AS k(u, key) ON i."userId" = k.u AND i.key = k.key),
          'ids', (SELECT json_agg(n) FROM (SELECT nextval(pg_get_serial_sequence('consent_event', 'id')) AS n
                                            FROM generate_series(1, p_ids)) AS reserved),
          'checkpoint', (SELECT row_to_json(c) FROM (SELECT id, "firstEventId", "lastEventId", payload, signature, kid
                                                       FROM consent_checkpoint ORDER BY id DESC LIMIT 1) AS c)
        ) INTO result;
        RETURN result;
      END $$`);
    await q.query(`CREATE FUNCTION "flowgate_consent_commit"(p json, p_lock_namespace integer, p_change_log_lock integer,
        p_channel text) RETURNS integer[] LANGUAGE plpgsql AS $$
      DECLARE
        ids integer[];
      BEGIN
        INSERT INTO consent_notice (hash, text)
          SELECT t.hash, t.text FROM json_to_recordset(p->'notices') AS t(hash varchar, text text)
          ON CONFLICT DO NOTHING;
        INSERT INTO consent_event (id, "userId", seq, "flowKey", choice, source, "flowVersion", "noticeHash", actor, "recordedAt", "prevHash", hash)
          SELECT t.id, t."userId", t.seq, t."flowKey", t.choice, t.source, t."flowVersion", t."noticeHash", t.actor, t."recordedAt", t."prevHash", t.hash
            FROM json_to_recordset(p->'events') AS t(id integer, "userId" varchar, seq integer, "flowKey" varchar, choice varchar,
              source varchar, "flowVersion" integer, "noticeHash" varchar, actor varchar, "recordedAt" varchar, "prevHash" varchar, hash varchar);
        INSERT INTO consent_checkpoint (id, "firstEventId", "lastEventId", payload, signature, kid)
          SELECT t.id, t."firstEventId", t."lastEventId", t.payload, t.signature, t.kid
            FROM json_to_recordset(p->'checkpoints') AS t(id integer, "firstEventId" integer, "lastEventId" integer, payload text,
              signature varchar, kid varchar);
        INSERT INTO consent_state ("userId", "flowKey", choice, "flowVersion", source, "eventId", "recordedAt")
          SELECT t."userId", t."flowKey", t.choice, t."flowVersion", t.source, t."eventId", t."recordedAt"
            FROM json_to_recordset(p->'states') AS t("userId" varchar, "flowKey" varchar, choice varchar, "flowVersion" integer,
              source varchar, "eventId" integer, "recordedAt" varchar)
          ON CONFLICT ("userId", "flowKey") DO UPDATE SET choice = excluded.choice, "flowVersion" = excluded."flowVersion",
            source = excluded.source, "eventId" = excluded."eventId", "recordedAt" = excluded."recordedAt";
        INSERT INTO consent_subject ("userId", version, "lastHash", gpc, "gpcAt")
          SELECT t."userId", t.version, t."lastHash", t.gpc, t."gpcAt"
            FROM json_to_recordset(p->'subjects') AS t("userId" varchar, version integer, "lastHash" varchar, gpc boolean, "gpcAt" varchar)
          ON CONFLICT ("userId") DO UPDATE SET version = excluded.version, "lastHash" = excluded."lastHash",
            gpc = excluded.gpc, "gpcAt" = excluded."gpcAt";
        INSERT INTO consent_idempotency ("userId", key, "requestHash", response, "createdAt")
          SELECT t."userId", t.key, t."requestHash", t.response, t."createdAt"
            FROM json_to_recordset(p->'idempotency') AS t("userId" varchar, key varchar, "requestHash" varchar, response text,
              "createdAt" varchar);
        IF json_array_length(p->'log') = 0 THEN
          RETURN '{}';
        END IF;
        -- Held to commit: ids are taken and committed in the same order, so a follower that
        -- has read id n has seen every id below it.
        PERFORM pg_advisory_xact_lock(p_lock_namespace, p_change_log_lock);
        WITH inserted AS (
          INSERT INTO change_log (kind, "userId", version)
            SELECT t.kind, t."userId", t.version
              FROM ROWS FROM (json_to_recordset(p->'log') AS (kind varchar, "userId" varchar, version integer))
                WITH ORDINALITY AS t(kind, "userId", version, n)
              ORDER BY t.n
            RETURNING id
        )
        SELECT array_agg(id ORDER BY id) INTO ids FROM inserted;
        PERFORM pg_notify(p_channel, ids[array_length(ids, 1)]::text);
        RETURN ids;
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION "flowgate_consent_commit"(json, integer, integer, text)`);
    await q.query(`DROP FUNCTION "flowgate_consent_begin"(text[], text[], text[], integer, integer, integer)`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APPEND_AND_NOTIFY_LAST_ID, consentInsertFunction } from './1798700000001-PostgresConsentWriteOnce';

/**
 * PostgreSQL only: a consent batch's NOTIFY carries the change-log entries it appended, so
 * every follower (another instance, idle or not) publishes them without reading the log.
 * Before, each batch cost every other instance one read of `change_log` (one statement per
 * write at one connection) for rows the NOTIFY could have named.
 *
 * `flowgate_consent_insert` (both write paths) now sends
 * `{"at": <epoch ms of the transaction's now(), the rows' createdAt>, "entries": [[id, kind, userId, version], …]}`
 * (ids ascending), or, when that would not fit NOTIFY's 8,000-byte payload, the last id
 * alone, as before: a follower that gets an id (or an entry out of order) reads the log.
 */
export const APPEND_AND_NOTIFY_ENTRIES = `        -- Held to commit: ids are taken and committed in the same order, so a follower that
        -- has read id n has seen every id below it (and NOTIFYs arrive in commit order).
        PERFORM pg_advisory_xact_lock(p_lock_namespace, p_change_log_lock);
        DECLARE
          entries text;
          payload text;
        BEGIN
          WITH inserted AS (
            INSERT INTO change_log (kind, "userId", version)
              SELECT t.kind, t."userId", t.version
                FROM ROWS FROM (jsonb_to_recordset(b->'log') AS (kind varchar, "userId" varchar, version integer))
                  WITH ORDINALITY AS t(kind, "userId", version, n)
                ORDER BY t.n
              RETURNING id, kind, "userId", version
          )
          SELECT array_agg(id ORDER BY id), json_agg(json_build_array(id, kind, "userId", version) ORDER BY id)::text
            INTO ids, entries FROM inserted;
          payload := '{"at":' || (extract(epoch FROM now()) * 1000)::bigint || ',"entries":' || entries || '}';
          IF octet_length(payload) >= 8000 THEN
            payload := ids[array_length(ids, 1)]::text;
          END IF;
          PERFORM pg_notify(p_channel, payload);
        END;
`;

export class PostgresChangeNotifyEntries1798800000001 implements MigrationInterface {
  name = 'PostgresChangeNotifyEntries1798800000001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(consentInsertFunction('CREATE OR REPLACE', APPEND_AND_NOTIFY_ENTRIES));
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(consentInsertFunction('CREATE OR REPLACE', APPEND_AND_NOTIFY_LAST_ID));
  }
}

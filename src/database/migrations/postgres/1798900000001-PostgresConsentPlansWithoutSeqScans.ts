import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The consent writer's functions (their signatures as created by 1798100000001 and 1798700000001). */
export const CONSENT_WRITE_FUNCTIONS = [
  'flowgate_consent_begin(text[], text[], text[], integer, integer, integer)',
  'flowgate_consent_insert(jsonb, integer, integer, text)',
  'flowgate_consent_write(json, integer, integer, integer, text)',
] as const;

/**
 * PostgreSQL only: the consent writer's functions run with `enable_seqscan = off`, so each of
 * their statements reads through its index even on a plan made when the table was small.
 *
 * A PL/pgSQL function keeps the plan of each of its statements for the life of the session
 * (a generic plan after five runs), made on the table sizes of that moment and replanned only
 * when the table's statistics change (autovacuum's ANALYZE, a minute or more apart). Made on
 * a new database, a plan scans the whole table where the index reads a few rows, and keeps
 * scanning it as the table grows: the refusal's list of users moved since the writer's
 * memory was whole (`consent_event`, `id > …`) took 3.5–3.8 ms at 29,000 events where its
 * index range takes about 0.05 ms; the idempotency check hash-joined a whole
 * `consent_idempotency`, which only ever grows. Every statement in these functions has an
 * index to use (primary keys, the subject and state keys), so the setting only takes the
 * scans away. A later `CREATE OR REPLACE` of one of these functions must set it again.
 */
export class PostgresConsentPlansWithoutSeqScans1798900000001 implements MigrationInterface {
  name = 'PostgresConsentPlansWithoutSeqScans1798900000001';

  public async up(q: QueryRunner): Promise<void> {
    for (const fn of CONSENT_WRITE_FUNCTIONS) await q.query(`ALTER FUNCTION ${fn} SET enable_seqscan = off`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const fn of CONSENT_WRITE_FUNCTIONS) await q.query(`ALTER FUNCTION ${fn} RESET enable_seqscan`);
  }
}

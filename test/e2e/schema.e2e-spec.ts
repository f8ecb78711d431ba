import { DataSource } from 'typeorm';
import { WriteQueue } from '../../src/database/write-queue';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The migrations (each driver's own set) leave exactly the schema the entities describe:
 * TypeORM's schema builder finds nothing to change, so `migration:generate` starts clean
 * (on PostgreSQL, but for the bigint epoch columns: generate there with care).
 */
describe('migrations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('leave the schema the entities describe, with nothing for synchronize to do', async () => {
    // In the write queue: on SQLite the app's one connection is shared with the change-log
    // follower's polls, whose transactions must not interleave with the builder's reads.
    const builder = t.app.get(DataSource).driver.createSchemaBuilder();
    const pending = (await t.app.get(WriteQueue).maintenance(() => builder.log())).upQueries.map((q) => q.query);
    // The one deliberate difference: epoch-millisecond columns are bigint on PostgreSQL
    // (see audit-event.entity.ts), which the schema builder would turn back into integer.
    const epochMs = /"(receivedAt|firstAt|lastAt)"|IDX_audit_batch_received|IDX_audit_event_kind_last|IDX_audit_event_last/;
    expect(t.database === 'postgres' ? pending.filter((q) => !epochMs.test(q)) : pending).toEqual([]);
  });
});

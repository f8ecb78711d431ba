import fc from 'fast-check';
import pg from 'pg';
import { dollarQuoted } from '../../src/database/write-queue';

/**
 * The consent writer's PostgreSQL batch goes as one simple query with its values inlined as
 * dollar-quoted constants (`dollarQuoted`): whatever the text, PostgreSQL reads back exactly
 * it, never a shorter string or one more statement.
 */
describe(dollarQuoted.name, () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: process.env.FLOWGATE_TEST_PG_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  // Texts made mostly of the characters a quoting rule could trip on.
  const tricky = fc.oneof(
    fc.constantFrom('$', 'fg', '$fg', 'fg$', '$fg$', '$fg0$', '0', "'", '\\', '"', ';', '--', '/*', '\n', 'é', '😀', 'E'),
    fc.string({ unit: 'binary', maxLength: 3 }).map((s) => s.replace(/\0/g, '')),
  );
  const text = fc.array(tricky, { maxLength: 40 }).map((parts) => parts.join(''));

  it('reads back every text as it was, in one statement', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (value) => {
        const results = await client.query(`SELECT ${dollarQuoted(value)}::text AS v`);
        expect(Array.isArray(results)).toBe(false); // one statement, not two
        expect((results as unknown as pg.QueryResult<{ v: string }>).rows).toEqual([{ v: value }]);
      }),
      { numRuns: 300 },
    );
  });

  it('reads back a JSON document of such texts as the same value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.array(text, { maxLength: 3 }))), async (value) => {
        const { rows } = await client.query(`SELECT ${dollarQuoted(JSON.stringify(value))}::jsonb AS v`);
        expect(rows[0].v).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 100 },
    );
  });
});

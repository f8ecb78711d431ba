import fc from 'fast-check';
import { notifiedEntries } from './change-log.service';

describe('notifiedEntries (a PostgreSQL NOTIFY payload that carries change-log entries)', () => {
  it('reads the entries a consent batch sends, in order, with the commit time', () => {
    const payload = '{"at":1764630000123,"entries":[[7, "consent", "u-1", 3], [8, "policy", null, 2], [9, "token", null, 41]]}';
    expect(notifiedEntries(payload)).toEqual([
      { entry: { id: 7, kind: 'consent', userId: 'u-1', version: 3 }, createdAtMs: 1764630000123 },
      { entry: { id: 8, kind: 'policy', version: 2 }, createdAtMs: 1764630000123 },
      { entry: { id: 9, kind: 'token', tokenId: 41 }, createdAtMs: 1764630000123 },
    ]);
  });

  it.each([
    ['not JSON', '{"at":1,'],
    ['no entries', '{"at":1}'],
    ['empty entries', '{"at":1,"entries":[]}'],
    ['no time', '{"entries":[[1,"consent","u",1]]}'],
    ['ids not ascending', '{"at":1,"entries":[[2,"consent","u",1],[2,"consent","v",1]]}'],
    ['an id of 0', '{"at":1,"entries":[[0,"consent","u",1]]}'],
    ['a fractional version', '{"at":1,"entries":[[1,"consent","u",1.5]]}'],
    ['an unknown kind', '{"at":1,"entries":[[1,"audit","u",1]]}'],
    ['a numeric user', '{"at":1,"entries":[[1,"consent",5,1]]}'],
    ['a consent without a user', '{"at":1,"entries":[[1,"consent",null,1]]}'],
    ['a short entry', '{"at":1,"entries":[[1,"consent","u"]]}'],
    ['an array', '[1,2]'],
    ['null', 'null'],
  ])('gives null (read the log instead) for %s', (_name, payload) => {
    expect(notifiedEntries(payload)).toBeNull();
  });

  it('never throws, and returns only well-formed ascending entries, for any payload', () => {
    const entry = fc.tuple(
      fc.oneof(fc.integer({ min: -2, max: 50 }), fc.double(), fc.string()),
      fc.constantFrom('consent', 'policy', 'token', 'other', 3),
      fc.oneof(fc.string(), fc.constant(null), fc.integer()),
      fc.oneof(fc.integer(), fc.double(), fc.string()),
    );
    const payload = fc.oneof(
      fc.string(),
      fc.record({ at: fc.oneof(fc.integer(), fc.string()), entries: fc.array(entry, { maxLength: 5 }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(payload, (p) => {
        const got = notifiedEntries(p);
        if (got === null) return;
        expect(got.length).toBeGreaterThan(0);
        for (let i = 0; i < got.length; i++) {
          expect(Number.isSafeInteger(got[i].entry.id) && got[i].entry.id > 0).toBe(true);
          if (i > 0) expect(got[i].entry.id).toBeGreaterThan(got[i - 1].entry.id);
          expect(['consent', 'policy', 'token']).toContain(got[i].entry.kind);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

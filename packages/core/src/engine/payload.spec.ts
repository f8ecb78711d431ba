import fc from 'fast-check';
import { classifyText } from './classify.js';
import { anySegmentClassified } from './payload.js';

/** The unremembered answer: some segment of the path, percent-decoded, classifies as personal. */
function oracle(urlPath: string): boolean {
  return urlPath
    .split('/')
    .slice(1)
    .some((segment) => {
      let decoded = segment;
      try {
        decoded = segment.includes('%') ? decodeURIComponent(segment) : segment;
      } catch {
        decoded = segment;
      }
      return classifyText(decoded) !== null;
    });
}

const segment = fc.oneof(
  fc.constantFrom('v1', 'track', 'ada@example.com', 'ada%40example.com', '192.168.0.1', '4242424242424242', '%E0%A4%A', '', 'u'),
  fc.string({ unit: fc.constantFrom(...'ab1@.%4-'), maxLength: 8 }),
);
const pathArb = fc.array(segment, { minLength: 0, maxLength: 4 }).map((s) => (s.length === 0 ? 'no-slash' : `/${s.join('/')}`));

describe('anySegmentClassified (remembered per path)', () => {
  it('answers as classifying every segment does, first time and remembered, across the memo starting over', () => {
    fc.assert(
      fc.property(fc.array(pathArb, { minLength: 1, maxLength: 30 }), (paths) => {
        for (const path of paths) {
          expect(anySegmentClassified(path)).toBe(oracle(path));
          expect(anySegmentClassified(path)).toBe(oracle(path));
        }
      }),
      { numRuns: 200 },
    );
    // More distinct paths than the memo holds: it starts over and still answers right.
    for (let i = 0; i < 1_200; i++) expect(anySegmentClassified(`/u/${i}/ada${i}@example.com`)).toBe(true);
    expect(anySegmentClassified('/v1/track')).toBe(false);
  });
});

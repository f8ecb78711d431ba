import fc from 'fast-check';
import { SseParser, type SseEvent } from './sse.js';

function parse(chunks: readonly string[]) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = new SseParser({
    onEvent: (e) => events.push(e),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => retries.push(ms),
  });
  chunks.forEach((c) => parser.push(c));
  return { events, comments, retries, lastEventId: parser.eventId };
}

const STREAM =
  '\uFEFFretry: 2000\n\n: keep-alive\n\nid: 41\nevent: ready\ndata: {"lastEventId":41}\n\n' +
  'id: 42\r\nevent: consent\r\ndata: {"id":42,\r\ndata: "userId":"ada"}\r\n\r\n' +
  'data:no space\rid\r\r' +
  'event: ignored-without-data\n\n' +
  'id: 43\nevent: policy\ndata: {"id":43}\n\nid: 44\ndata: half';

describe(SseParser.name, () => {
  const expected = {
    events: [
      { event: 'ready', data: '{"lastEventId":41}', lastEventId: '41' },
      { event: 'consent', data: '{"id":42,\n"userId":"ada"}', lastEventId: '42' },
      { event: 'message', data: 'no space', lastEventId: '' }, // a bare `id` resets it
      { event: 'policy', data: '{"id":43}', lastEventId: '43' },
    ],
    comments: ['keep-alive'],
    retries: [2000],
    lastEventId: '44',
  };

  it('reads events, comments, retry and ids, across \\n, \\r\\n and \\r line ends', () => {
    expect(parse([STREAM])).toEqual(expected);
  });

  it('gives the same result however the stream is split into chunks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 12 }), (cuts) => {
        const sorted = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
        const chunks = sorted.slice(1).map((end, i) => STREAM.slice(sorted[i], end));
        expect(parse(chunks)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

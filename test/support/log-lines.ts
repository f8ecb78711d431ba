import { Writable } from 'node:stream';

/** Collects the JSON log lines an app writes (give it as the app's log stream). */
export class LogLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
  /**
   * The access line of the request with this id, without its duration and time (which
   * differ), and without the id itself when `withoutId` (to compare the lines of one request
   * sent to two apps under different ids).
   */
  access(requestId: string, { withoutId = false }: { withoutId?: boolean } = {}): unknown {
    const line = this.lines.find((l) => l.requestId === requestId && l.access !== undefined);
    if (line === undefined) return undefined;
    const { time: _time, ...rest } = line;
    if (withoutId) delete rest.requestId;
    const { durationMs, ...access } = line.access as Record<string, unknown>;
    return { ...rest, access: { ...access, durationMs: typeof durationMs } };
  }
}

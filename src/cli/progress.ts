import { SingleBar } from 'cli-progress';
import type { CliIo } from './cli-command';

export interface Progress {
  /** `done` of the total so far. */
  update(done: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted, for the bar: `users`, `events`. */
  unit: string;
  total: number;
  /** Without a terminal: one line after every this many. */
  every: number;
  /** Without a terminal: the periodic line for `done` of `total`. */
  line: (done: number, total: number) => string;
}

/**
 * Progress of a long command, on stderr (stdout is the command's output): a bar when stderr
 * is a terminal, otherwise a line after every `every` items, so a log or CI shows it too.
 * Nothing at all for totals under `every`: small jobs stay quiet.
 */
export function startProgress(io: CliIo, options: ProgressOptions): Progress {
  const { total, every } = options;
  if (total < every) return { update: () => undefined, stop: () => undefined };
  if (io.terminal) {
    const bar = new SingleBar({
      stream: io.terminal,
      format: `{bar} {percentage}% | {value}/{total} ${options.unit} | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    });
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let next = every;
  return {
    update(done) {
      while (done >= next && next < total) {
        io.err(options.line(next, total));
        next += every;
      }
    },
    stop: () => undefined,
  };
}

/** `10000` → `10,000`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

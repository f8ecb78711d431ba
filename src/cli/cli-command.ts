import type { INestApplicationContext } from '@nestjs/common';
import { userInfo } from 'node:os';
import { runAs } from '../auth/actor-context';
import { loadConfig, type FlowgateConfig } from '../config/configuration';

/** Where a command writes: results to `out`, progress and problems to `err`. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** stderr when it is a terminal: progress is drawn as a bar there instead of periodic lines. */
  terminal?: NodeJS.WritableStream;
}

export interface CliCommand {
  /** Words that select the command: `['import']`, `['consent', 'rebuild']`. */
  name: string[];
  usage: string;
  summary: string;
  /** Returns the process exit code (see `EXIT`). */
  run(args: string[], io: CliIo): Promise<number>;
}

/** The CLI's exit codes, documented in the README ("Manifest and CLI"). */
export const EXIT = {
  /** Done, and nothing wrong found. */
  ok: 0,
  /** The command ran and found a problem: an invalid manifest, a broken chain, a missing file. */
  problems: 1,
  /** The command line or the configuration is wrong. */
  usage: 2,
  /** Something unexpected failed (the stack is on stderr). */
  internal: 3,
} as const;

/** A wrong command line: `runCli` prints the message and the command's usage, exit 2. */
export class UsageError extends Error {}

/** `--json`: one JSON document on stdout, for scripts. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/**
 * Runs `work` inside the application (same modules, database and migrations as the
 * server, no HTTP listener, no example seeding), closing it afterwards. Nest, TypeORM and
 * the modules are loaded here, on first use, so commands that need no database (`validate`)
 * start in a fraction of the time.
 */
export async function withApp<T>(
  io: CliIo,
  work: (app: INestApplicationContext, config: FlowgateConfig) => Promise<T>,
): Promise<T> {
  const config: FlowgateConfig = { ...loadConfig(io.env), seedManifest: '' };
  const [{ NestFactory }, { AppModule }, { createRootLogger, PinoNestLogger }, { default: pino }] = await Promise.all([
    import('@nestjs/core'),
    import('../app.module.js'),
    import('../observability/logging.js'),
    import('pino'),
  ]);
  // Warnings and errors only, and to stderr: stdout is the command's output (a manifest, JSON).
  const logger = createRootLogger(
    { ...config, logLevel: 'warn' },
    { destination: pino.destination({ dest: 2, sync: true }) },
  );
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
  });
  try {
    // What the command changes is recorded as done by this OS user (map history, keys, tokens).
    return await runAs(`cli:${osUser()}`, () => work(app, config));
  } finally {
    await app.close();
  }
}

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

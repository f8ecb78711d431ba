import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoggerService } from '@nestjs/common';
import { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { AuthenticatedRequest, Principal } from '../auth/principal';
import type { FlowgateConfig } from '../config/configuration';
import type { RequestObserver } from './http-metrics';

/** Nest's level names → pino's. */
const PINO_LEVELS: Record<FlowgateConfig['logLevel'], pino.Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
};

/**
 * Log lines to stdout are written once this many characters have gathered (under
 * sonic-boom's 16 KB single write: one write call each; an asynchronous `fs.write` costs
 * ~11 µs of the event loop whatever its size, so ~50 access lines share one)…
 */
const LOG_BLOCK_BYTES = 12 * 1024;
/** …or this many milliseconds have passed since the last write. */
const LOG_FLUSH_MS = 100;

/** A request id we accept from `X-Request-Id`: short, and nothing that could forge a log line. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface LoggingOptions {
  /** Where log lines go; default stdout. Tests pass a stream that collects them. */
  destination?: DestinationStream;
}

/**
 * The one root logger (pino): JSON lines, or pino-pretty's human format (coloured only on a
 * colour terminal). Nothing else formats log lines.
 */
export function createRootLogger(config: FlowgateConfig, options: LoggingOptions = {}): PinoLogger {
  const base: pino.LoggerOptions = {
    level: PINO_LEVELS[config.logLevel],
    base: { service: 'flowgate' },
    timestamp: isoTime,
    // Belt and braces: nothing logs headers, but if anything ever does, tokens stay out.
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.token', 'token'], censor: '[redacted]' },
  };
  if (config.logFormat === 'pretty') {
    return pino(base, pretty({ destination: options.destination ?? 1, sync: true, singleLine: true, ignore: 'pid,hostname,service' }));
  }
  // Asynchronous writes to stdout, in blocks: lines wait until 12 KB have gathered or
  // 100 ms have passed, so under load one write carries ~50 access lines instead of
  // one (threadpool) write per event-loop turn (~11 µs each); an idle server's
  // lines still appear within that time. What is left is flushed when the process exits.
  return pino(base, options.destination ?? new LineBlocks(pino.destination({ dest: 1, sync: false }), LOG_BLOCK_BYTES, LOG_FLUSH_MS));
}

/** What `LineBlocks` writes its blocks to: pino's asynchronous destination (sonic-boom). */
export interface BlockStream {
  write(data: string): unknown;
  flushSync(): void;
}

/**
 * Log lines gathered into blocks in front of pino's asynchronous destination, which is handed
 * one string per block: sonic-boom measures the byte length of its whole pending string on
 * every write it is given (`Buffer.byteLength` of a string that grows with the block: ~2 µs a
 * line at 4 KB), once per block here. A block goes out when it reaches `minLength`
 * characters, or `flushMs` after its first line, or on process exit (synchronously).
 */
export class LineBlocks {
  private block = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly flushLater = () => {
    this.timer = null;
    this.flush();
  };

  constructor(
    private readonly out: BlockStream,
    private readonly minLength: number,
    private readonly flushMs: number,
  ) {
    onExit(this);
  }

  write(line: string): boolean {
    this.block += line;
    if (this.block.length >= this.minLength) this.flush();
    else if (this.timer === null) this.timer = setTimeout(this.flushLater, this.flushMs).unref();
    return true;
  }

  /** Hands the gathered lines on (asynchronously written). */
  flush(): void {
    if (this.block === '') return;
    const block = this.block;
    this.block = '';
    this.out.write(block);
  }

  /** Writes everything out now (process exit). */
  flushSync(): void {
    this.flush();
    this.out.flushSync();
  }
}

/** The live `LineBlocks` (weakly: a closed app's logger is collected), flushed at exit. */
const exiting = new Set<WeakRef<LineBlocks>>();
let exitHooked = false;
function onExit(blocks: LineBlocks): void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const ref of exiting) {
        try {
          ref.deref()?.flushSync();
        } catch {
          // A destination already closed: nothing more can be written to it.
        }
      }
    });
  }
  for (const ref of exiting) if (ref.deref() === undefined) exiting.delete(ref);
  exiting.add(new WeakRef(blocks));
}

/**
 * pino's `isoTime` (`,"time":"2026-12-01T15:00:00.000Z"`), formatted once per millisecond:
 * under load many lines share one, and `toISOString` was a sixth of a line's cost.
 */
let lastTimeMs = Number.NaN;
let lastTime = '';
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastTimeMs) {
    lastTimeMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/**
 * One access-log line per request (under `access`, beside the line's `requestId`): what an
 * operator needs, and no token, no concrete path (paths hold user ids) and no user id.
 */
export interface AccessLogLine {
  method: string;
  /** The route template (`/api/v1/users/:userId/history`); null when no route matched. */
  route: string | null;
  status: number;
  durationMs: number;
  principal: Principal['kind'] | 'none';
  /** Only with LOG_USER_IDS=1. */
  userId?: string;
  service?: string;
  /** The admin key's holder (also only with LOG_USER_IDS=1). */
  admin?: string;
}

type Req = FastifyRequest & AuthenticatedRequest;

export function accessLogLine(req: Req, res: ServerResponse, durationMs: number, logUserIds: boolean): AccessLogLine {
  return accessLine(req.method, routeTemplate(req), res.statusCode, req.principal, durationMs, logUserIds);
}

/** The access-log line of a request, from its parts (also for the routes served in front of Fastify). */
export function accessLine(
  method: string,
  route: string | null,
  status: number,
  principal: Principal | undefined,
  durationMs: number,
  logUserIds: boolean,
): AccessLogLine {
  const line: AccessLogLine = { method, route, status, durationMs, principal: principal?.kind ?? 'none' };
  if (logUserIds && principal?.kind === 'user') line.userId = principal.userId;
  if (logUserIds && principal?.kind === 'service') line.service = principal.name;
  if (logUserIds && principal?.kind === 'admin' && principal.name !== undefined) line.admin = principal.name;
  return line;
}

/**
 * The matched route's template, as Fastify's router knows it; null when no route matched
 * (the not-found handler) or only a wildcard took it (static files).
 */
export function routeTemplate(req: FastifyRequest): string | null {
  const path = req.routeOptions.url;
  return typeof path === 'string' && !path.includes('*') ? path : null;
}

/** Takes the caller's `X-Request-Id` when it is a sane one, or makes one (Fastify's `genReqId`). */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The Fastify options that give each request its id and `request.log` (the root logger bound to that id). */
export function fastifyLogging(logger: PinoLogger) {
  return {
    loggerInstance: logger,
    // One line per request, ours (below), not Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestId,
    requestIdHeader: false as const,
  };
}

/**
 * The access log: the request id echoed as `X-Request-Id`, and one access-log line when
 * the response finishes or its connection closes (an SSE stream the client left). Lines
 * logged while handling the request (`request.log`) carry its id only, never the request
 * (headers, URL). Added first, so every request is counted, refused ones too.
 */
export function registerAccessLog(instance: FastifyInstance, config: FlowgateConfig, observe?: RequestObserver): void {
  instance.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const res = reply.raw;
    // On the Node response, so every answer carries it: errors, static files, the SSE feed.
    res.setHeader('X-Request-Id', request.id);
    res.once('close', () => {
      const durationMs = performance.now() - started;
      const access = accessLogLine(request as Req, res, Math.round(durationMs * 100) / 100, config.logUserIds);
      observe?.(access.method, access.route, access.status, durationMs);
      const message = `${request.method} ${access.route ?? '(no route)'} ${res.statusCode}`;
      writeAccessLine(request.log as PinoLogger, res.statusCode >= 500 ? 'error' : 'info', access, message);
    });
    done();
  });
}

const LEVEL_VALUES = { info: 30, error: 50 } as const;

/**
 * The access-log line, as `logger[level]({ access }, message)` would write it, built as one
 * string and handed to the logger's stream: the same `{"level","time",bindings…,"access",
 * "msg"}` line (the request's logger carries the request id in its bindings), without pino's
 * per-line work (its generic serialiser, and redaction, which clones the object to look for
 * `token` keys an access line never has: ~3 µs of a decision). A stream that wants pino's
 * per-line metadata (multistream) gets the line from pino itself.
 */
export function writeAccessLine(logger: PinoLogger, level: keyof typeof LEVEL_VALUES, access: AccessLogLine, message: string): void {
  if (!logger.isLevelEnabled(level)) return;
  const bindings = (logger as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym] as string;
  write(logger, bindings, () => logger, level, access, message);
}

/**
 * The same line for a request Fastify never saw (src/common/front-door.ts): as its
 * request logger (`root.child({ requestId })`, which Fastify makes for each request) would
 * write it, without making that child.
 */
export function writeRequestAccessLine(root: PinoLogger, requestId: string, level: keyof typeof LEVEL_VALUES, access: AccessLogLine, message: string): void {
  if (!root.isLevelEnabled(level)) return;
  const bindings = `${(root as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym] as string},"requestId":${JSON.stringify(requestId)}`;
  write(root, bindings, () => root.child({ requestId }), level, access, message);
}

function write(
  logger: PinoLogger,
  bindings: string,
  child: () => PinoLogger,
  level: keyof typeof LEVEL_VALUES,
  access: AccessLogLine,
  message: string,
): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as DestinationStream & Record<symbol, unknown>;
  if (stream[pino.symbols.needsMetadataGsym]) {
    child()[level]({ access }, message);
    return;
  }
  const time = ((logger as unknown as Record<symbol, unknown>)[pino.symbols.timeSym] as () => string)();
  stream.write(`{"level":${LEVEL_VALUES[level]}${time}${bindings},"access":${JSON.stringify(access)},"msg":${JSON.stringify(message)}}\n`);
}

/**
 * Nest's logger interface over the root pino logger, so the framework's lines (boot, routes,
 * errors) are JSON lines like the rest. Per app: no process-wide state, so tests can run
 * several apps, each with its own destination.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes `(message, context)`, or `(message, stack, context)` for errors. */
  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}

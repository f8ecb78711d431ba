import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthErrorCode } from '../auth/auth.errors';
import type { ConsentErrorCode } from '../consent/consent.errors';
import type { DataMapErrorCode } from '../data-map/data-map.errors';
import { DomainError, type Problem } from './domain-error';
import type { TransparencyErrorCode } from '../transparency/transparency.errors';

/** Every code any module throws; adding a code without a status fails to compile. */
export type ErrorCode = 'VALIDATION_FAILED' | DataMapErrorCode | AuthErrorCode | ConsentErrorCode | TransparencyErrorCode;

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_MANIFEST':
      return HttpStatus.BAD_REQUEST;
    case 'INVALID_DATA_MAP':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'UNAUTHENTICATED':
      return HttpStatus.UNAUTHORIZED;
    case 'FORBIDDEN':
      return HttpStatus.FORBIDDEN;
    case 'FIELD_NOT_FOUND':
    case 'SERVICE_TOKEN_NOT_FOUND':
    case 'ADMIN_KEY_NOT_FOUND':
    case 'DEMO_LOGIN_DISABLED':
    case 'PURPOSE_NOT_FOUND':
    case 'SUBPROCESSOR_NOT_FOUND':
    case 'FLOW_NOT_FOUND':
    case 'NOTICE_NOT_FOUND':
    case 'WEBHOOK_NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'DUPLICATE_KEY':
    case 'ADMIN_KEY_NAME_TAKEN':
    case 'FIELD_IN_USE':
    case 'PURPOSE_IN_USE':
    case 'SUBPROCESSOR_IN_USE':
    case 'FLOW_IS_REQUIRED':
    case 'FLOW_VERSION_CHANGED':
    case 'NOTICE_ALREADY_EFFECTIVE':
      return HttpStatus.CONFLICT;
    case 'IDEMPOTENCY_KEY_REUSED':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'TOO_MANY_REQUESTS':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'SHUTTING_DOWN':
      return HttpStatus.SERVICE_UNAVAILABLE;
    default: {
      const unhandled: never = code;
      throw new Error(`No HTTP status for error code ${String(unhandled)}`);
    }
  }
}

/** The one error body. `details` is there only when it names problems, each with its path. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Problem[];
}

/**
 * The one exception filter: domain errors by code, framework HTTP errors (unknown route,
 * malformed JSON, payload too large) as they are, anything else a plain 500 whose
 * details go only to the log.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest | undefined>();
    const body = errorBody(exception, { bodyLimit: request?.routeOptions?.bodyLimit, log: request?.log }, this.logger);
    if (reply.sent || reply.raw.headersSent) {
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    const retryAfter = retryAfterOf(exception);
    if (retryAfter !== undefined) void reply.header('Retry-After', retryAfter);
    void reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
  }
}

/** The `Retry-After` header an error answer carries (a 429's), if any. */
export function retryAfterOf(exception: unknown): string | undefined {
  const retryAfter = (exception as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return exception instanceof DomainError && typeof retryAfter === 'number' ? String(retryAfter) : undefined;
}

/** What `errorBody` needs of the request: its route's body limit, and its logger (bound to its id). */
export interface ErrorContext {
  bodyLimit?: number;
  log?: { error(fields: object, message: string): void };
}

/**
 * The error body of an exception (as the adapter's `mapException` hands it on): also for
 * the routes served in front of Fastify (src/common/front-door.ts), so both write the same.
 */
export function errorBody(exception: unknown, request: ErrorContext, logger: Pick<Logger, 'error'> = fallbackLogger): ErrorBody {
  if (exception instanceof DomainError) {
    const code = exception.code as ErrorCode;
    return {
      statusCode: statusOf(code),
      code,
      message: exception.message,
      ...(exception.details && exception.details.length > 0 ? { details: exception.details } : {}),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    // Fastify's 413 (mapped to an HttpException by the adapter): the route's limit is known.
    const limit = request.bodyLimit;
    if (status === 413 && typeof limit === 'number') {
      return { statusCode: status, code: httpCode(status), message: tooLarge(limit) };
    }
    const message =
      typeof res === 'string'
        ? res
        : String((res as { message?: unknown }).message ?? exception.message);
    return { statusCode: status, code: httpCode(status), message };
  }
  // Errors of the HTTP layer that carry their own 4xx status.
  const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      statusCode: status,
      code: httpCode(status),
      message:
        status === 400
          ? `Malformed request body: ${(exception as Error).message}`
          : status === 413 && typeof (exception as { limit?: unknown }).limit === 'number'
            ? tooLarge((exception as { limit: number }).limit)
            : (exception as Error).message,
    };
  }
  // With the request's id when there is a request (Fastify binds `request.log` to it).
  const requestLog = request.log;
  if (requestLog) requestLog.error({ context: 'Errors', err: exception }, 'Unhandled error');
  else logger.error(exception instanceof Error ? exception.stack : String(exception));
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' };
}

const fallbackLogger = new Logger('Errors');

function tooLarge(limit: number): string {
  return `The request body is larger than this route takes (${limit} bytes)`;
}

function httpCode(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'TOO_MANY_REQUESTS';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'HTTP_ERROR';
  }
}

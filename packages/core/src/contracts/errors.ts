/** One problem with a request: where it is (`flows[3].mode`) and what rule it broke. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** Every error the server answers with, whatever the route: `{ statusCode, code, message, details? }`. */
export interface ErrorBody {
  readonly statusCode: number;
  /** A stable code (`CONSENT_DENIED`, `VALIDATION_FAILED`, `UNAUTHENTICATED`, …). */
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** The server's error body, or null when `body` is not one (a proxy's HTML page, say). */
export function parseErrorBody(body: unknown): ErrorBody | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.statusCode !== 'number' || typeof b.code !== 'string' || typeof b.message !== 'string') return null;
  return { statusCode: b.statusCode, code: b.code, message: b.message, ...(b.details !== undefined ? { details: b.details } : {}) };
}

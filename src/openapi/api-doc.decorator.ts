import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { schemaRef, type SchemaName } from './response-schemas';

/** Error statuses a route may answer beyond the ones every route of its kind has. */
export type ErrorStatus = 404 | 409 | 413 | 422 | 503;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `details` names each problem by its path.',
  401: 'Missing, unknown, expired or tampered bearer token.',
  403: 'A valid token of a kind this route does not take.',
  404: 'Not found.',
  409: 'Conflicts with the current state (`code` says which rule).',
  413: 'Request body too large.',
  422: 'Well-formed, but breaks a rule of the data map or reuses an idempotency key.',
  503: 'The server is shutting down: try again.',
};

export interface ApiDocOptions {
  /** Success status (default 200). */
  status?: number;
  /** Response body: a schema of `components.schemas`; none for 204. */
  returns?: SchemaName;
  /** What the success response is, when the summary does not say it. */
  description?: string;
  /** Content types of the success response other than JSON (`application/yaml`, `text/event-stream`). */
  produces?: Record<string, { schema: object }>;
  /** Extra error statuses; 400, 401, 403 and 404 are added from the route's shape. */
  errors?: ErrorStatus[];
}

/**
 * One route's reference: summary, success response with its schema, and extra error
 * responses with the shared error body. The errors every route of its shape has (400 for
 * input, 401/403 for a token, 404 for a path parameter) are added when the document is
 * built (`openapi.document.ts`).
 */
export function ApiDoc(summary: string, options: ApiDocOptions = {}) {
  const status = options.status ?? 200;
  const content: Record<string, { schema: object }> = {
    ...(options.returns ? { 'application/json': { schema: schemaRef(options.returns) } } : {}),
    ...(options.produces ?? {}),
  };
  return applyDecorators(
    ApiOperation({ summary }),
    ApiResponse({
      status,
      description: options.description ?? (status === 204 ? 'Done; no body.' : 'Success.'),
      ...(Object.keys(content).length > 0 ? { content } : {}),
    }),
    ...(options.errors ?? []).map((code) =>
      ApiResponse({ status: code, description: ERROR_DESCRIPTIONS[code], schema: schemaRef('ErrorBody') }),
    ),
  );
}

export { ERROR_DESCRIPTIONS };

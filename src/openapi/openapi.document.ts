import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ERROR_DESCRIPTIONS } from './api-doc.decorator';
import { RESPONSE_SCHEMAS, schemaRef } from './response-schemas';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: object };

/** Header names as HTTP spells them; Nest documents `@Headers('x')` parameters in lower case. */
const CANONICAL_HEADERS: Record<string, string> = {
  'sec-gpc': 'Sec-GPC',
  'idempotency-key': 'Idempotency-Key',
  'if-none-match': 'If-None-Match',
  'last-event-id': 'Last-Event-ID',
};

/** The OpenAPI document served at `/api/docs` (and `/api/docs-json`). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Flowgate')
    .setDescription(
      'Data map, consent and decisions for outbound vendor calls. Every error answers the one ' +
        'body `ErrorBody`: `{ statusCode, code, message, details? }`, `details` naming each problem by its path.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  return finishDocument(SwaggerModule.createDocument(app, config));
}

/**
 * Completes what decorators alone do not say: the shared schemas, each header parameter once
 * in its canonical case and optional, and the error responses every route of its shape has.
 */
export function finishDocument(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...RESPONSE_SCHEMAS } };
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (operation) finishOperation(operation);
    }
  }
  return document;
}

function finishOperation(operation: Operation): void {
  const parameters = dedupeHeaders((operation.parameters ?? []) as Parameter[]);
  operation.parameters = parameters as Operation['parameters'];
  const errors = new Set<number>();
  if (parameters.some((p) => p.in === 'query' || p.in === 'path' || p.in === 'header') || operation.requestBody) errors.add(400);
  if (operation.security?.length) {
    errors.add(401);
    errors.add(403);
  }
  if (parameters.some((p) => p.in === 'path')) errors.add(404);
  if (operation.requestBody) errors.add(413);
  for (const status of errors) {
    operation.responses[status] ??= { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: schemaRef('ErrorBody') } } };
  }
}

/** One parameter per header, case-insensitively: the described one, in canonical case, optional. */
function dedupeHeaders(parameters: Parameter[]): Parameter[] {
  const out: Parameter[] = [];
  for (const p of parameters) {
    if (p.in !== 'header') {
      out.push(p);
      continue;
    }
    const name = CANONICAL_HEADERS[p.name.toLowerCase()] ?? p.name;
    const same = out.find((o) => o.in === 'header' && o.name.toLowerCase() === name.toLowerCase());
    if (same) {
      same.description ??= p.description;
      continue;
    }
    out.push({ ...p, name, required: false, schema: p.schema ?? { type: 'string' } });
  }
  return out;
}

import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FlowgateConfig } from '../config/configuration';
import { ValidationFailedError } from './domain-error';
import { scanJson, type JsonLimits, DEFAULT_JSON_LIMITS } from './json-scan';

const JSON_TYPES = ['application/json'];
/** Manifests are also accepted as YAML (JSON is YAML); the text goes to the manifest parser. */
const MANIFEST_TEXT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type BodyLimits = FlowgateConfig['bodyLimits'];

interface Route {
  limit: number;
  types: readonly string[];
}

/** Which limit and content types a path takes: manifests are large, consent writes small. */
export function routeOf(path: string, limits: BodyLimits): Route {
  // POST /impact takes the same body as POST /manifest (a dry-run import).
  if (path === '/api/v1/manifest' || path.startsWith('/api/v1/manifest/') || path === '/api/v1/impact') {
    return { limit: limits.manifest, types: [...JSON_TYPES, ...MANIFEST_TEXT_TYPES] };
  }
  if (/^\/api\/v1\/(me|users|demo)(\/|$)/.test(path)) return { limit: limits.consent, types: JSON_TYPES };
  return { limit: limits.default, types: JSON_TYPES };
}

/**
 * Reads request bodies with limits checked before any work, on Fastify:
 * - each route's body limit is set once, when the route is registered (`onRoute`), from
 *   `routeOf` its path template; Fastify answers a larger body 413 from its
 *   `Content-Length` before reading, or as soon as a chunked body passes the limit;
 * - the content type must be one the route takes (415, from a `preParsing` hook, before any
 *   byte is read);
 * - a JSON body passes `scanJson` (depth, sizes, duplicate and prototype keys; 400 with the
 *   line) before `JSON.parse` builds it; manifest text (YAML) is handed on as a string.
 * Replaces Fastify's and Nest's own parsers: one catch-all parser, so no type slips past.
 * Call before the routes are registered (before `app.init()`).
 */
export function registerBodyParsing(instance: FastifyInstance, limits: BodyLimits, json: JsonLimits = DEFAULT_JSON_LIMITS): void {
  const routes = new Map<string, Route>();
  const route = (path: string): Route => {
    let r = routes.get(path);
    if (!r) {
      r = routeOf(path, limits);
      routes.set(path, r);
    }
    return r;
  };
  instance.addHook('onRoute', (options) => {
    options.bodyLimit ??= route(options.url ?? options.path ?? '/').limit;
  });
  instance.addHook('preParsing', (request, _reply, payload, done) => {
    if (!WRITE_METHODS.has(request.method) || !hasContent(request)) return done(null, payload);
    const accepted = route(request.routeOptions.url ?? pathOf(request.url)).types;
    const type = mediaType(request);
    if (accepted.includes(type) || (type.startsWith('application/') && type.endsWith('+json'))) return done(null, payload);
    done(
      new UnsupportedMediaTypeException(
        `Content-Type ${type === '' ? '(none)' : `"${type}"`} is not accepted here: send ${accepted.join(' or ')}`,
      ),
    );
  });
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    let parsed: unknown;
    try {
      parsed = parseBodyText(request.method, mediaType(request), body as string, json);
    } catch (error) {
      return done(error as Error, undefined);
    }
    done(null, parsed);
  });
}

/**
 * The catch-all parser's work on a body's text (also for the routes served in front of
 * Fastify, src/common/front-door.ts): the value (undefined for no body), or throws the 400.
 */
export function parseBodyText(method: string, type: string, text: string, json: JsonLimits = DEFAULT_JSON_LIMITS): unknown {
  if (!WRITE_METHODS.has(method)) return undefined;
  if (MANIFEST_TEXT_TYPES.includes(type)) return text;
  if (text.trim() === '') return undefined;
  const problem = scanJson(text, json);
  if (problem) throw new ValidationFailedError([problem], 'request body');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BadRequestException(`Malformed request body: ${(e as Error).message}`);
  }
}

/** A body is coming (an empty one is no body, whatever its type says). */
function hasContent(request: FastifyRequest): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && length !== '0';
}

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

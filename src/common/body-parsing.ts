import { UnsupportedMediaTypeException } from '@nestjs/common';
import bodyParser from 'body-parser';
import type { NextFunction, Request, Response } from 'express';
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
 * Reads request bodies with limits checked before any work: the content type is one the
 * route takes (415), the size within the route's limit (413, counted after decompression),
 * and a JSON body passes `scanJson` (depth, sizes, duplicate and prototype keys; 400 with
 * the line) before `JSON.parse` builds it. Replaces Nest's body parsers.
 */
export function bodyParsing(limits: BodyLimits, json: JsonLimits = DEFAULT_JSON_LIMITS) {
  const readers = new Map<number, ReturnType<typeof bodyParser.text>>();
  const reader = (limit: number) => {
    let r = readers.get(limit);
    if (!r) {
      r = bodyParser.text({ limit, type: () => true, defaultCharset: 'utf-8' });
      readers.set(limit, r);
    }
    return r;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!WRITE_METHODS.has(req.method) || !hasContent(req)) {
      next();
      return;
    }
    const route = routeOf(req.path, limits);
    const type = mediaType(req);
    if (!route.types.includes(type) && !(type.startsWith('application/') && type.endsWith('+json'))) {
      next(
        new UnsupportedMediaTypeException(
          `Content-Type ${type === '' ? '(none)' : `"${type}"`} is not accepted here: send ${route.types.join(' or ')}`,
        ),
      );
      return;
    }
    reader(route.limit)(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      if (MANIFEST_TEXT_TYPES.includes(type)) {
        next();
        return;
      }
      const text = req.body as string;
      const problem = scanJson(text, json);
      if (problem) {
        next(new ValidationFailedError([problem], 'request body'));
        return;
      }
      try {
        req.body = text.trim() === '' ? undefined : JSON.parse(text);
      } catch (e) {
        next(Object.assign(new Error((e as Error).message), { status: 400 }));
        return;
      }
      next();
    });
  };
}

/** A body is coming (an empty one is no body, whatever its type says). */
function hasContent(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

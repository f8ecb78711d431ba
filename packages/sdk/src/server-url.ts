import { FlowgateError } from './errors.js';

/**
 * The Flowgate server's root URL from an option, without a trailing slash; throws
 * `INVALID_OPTIONS` with a hint for the usual mistakes (no scheme, the API prefix included).
 */
export function serverBaseUrl(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FlowgateError('INVALID_OPTIONS', `${option}: must be the Flowgate server's URL, e.g. http://127.0.0.1:3000`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  // `localhost:3000` parses as a URL whose scheme is `localhost:`.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FlowgateError('INVALID_OPTIONS', `${option}: "${value}" has no http:// or https:// scheme (try "http://${value.replace(/^\/+/, '')}")`);
  }
  const base = url.toString().replace(/\/+$/, '');
  if (/\/api(\/v1)?$/.test(url.pathname.replace(/\/+$/, ''))) {
    throw new FlowgateError(
      'INVALID_OPTIONS',
      `${option}: "${value}" ends in the API prefix; give the server's root (${base.replace(/\/api(\/v1)?$/, '')}), the SDK adds /api/v1 itself`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new FlowgateError('INVALID_OPTIONS', `${option}: "${value}" must not carry a query or fragment`);
  }
  return base;
}

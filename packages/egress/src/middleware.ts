import { scopeStorage } from '@flowgate/sdk/internal';

export interface EgressMiddlewareOptions {
  /** The user an incoming request acts for; default `req.user.id`, else `req.user.sub`. */
  readonly resolveUser?: (request: unknown) => string | number | undefined | null;
}

type Next = (error?: unknown) => void;

/**
 * Express (or Connect, Fastify's middie) middleware: opens the egress scope for each
 * incoming request, with its user (from `resolveUser`) and its `Sec-GPC: 1` signal, so
 * every outbound request its handlers make is decided for that user.
 */
export function egressMiddleware(
  options: EgressMiddlewareOptions = {},
): (req: unknown, res: unknown, next: Next) => void {
  const resolveUser = options.resolveUser ?? userOf;
  return (req, _res, next) => {
    const raw = resolveUser(req);
    const userId =
      typeof raw === 'number' ? String(raw) : typeof raw === 'string' && raw !== '' ? raw : null;
    const header = (req as { headers?: Record<string, string | string[] | undefined> }).headers?.[
      'sec-gpc'
    ];
    const gpc = (Array.isArray(header) ? header[0] : header)?.trim() === '1';
    scopeStorage.run({ userId, gpc }, next);
  };
}

function userOf(request: unknown): string | number | undefined {
  const user = (request as { user?: { id?: unknown; sub?: unknown } } | null)?.user;
  const id = user?.id ?? user?.sub;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

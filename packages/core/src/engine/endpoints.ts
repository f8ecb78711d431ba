import { PolicyMapError } from './policy.js';

/** Where a subprocessor is reached: a host (`api.stripe.com`, `*.logrocket.io`, `127.0.0.1:4010`), an optional path prefix. */
export interface PolicyMapEndpoint {
  readonly host: string;
  /** A path prefix, matched on whole segments: `/v3/mail` covers `/v3/mail/send`, not `/v3/mailbox`. */
  readonly path?: string;
  /** The purpose of calls to this endpoint, where the subprocessor serves several. */
  readonly purpose?: string;
}

/** Lower-case host name, `*.` for any subdomain (at any depth), optional `:port`. */
export const ENDPOINT_HOST_PATTERN =
  /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/;
/** A path prefix: starts with `/`, no query, fragment or white space. */
export const ENDPOINT_PATH_PATTERN = /^\/[^\s?#]*$/;

export interface EndpointTarget {
  readonly subprocessor: string;
  /** Undefined: the subprocessor's only flow decides. */
  readonly purpose: string | undefined;
}

interface Rule extends EndpointTarget {
  /** Without its trailing slash; '' for the whole host. */
  readonly path: string;
}

/** The map's endpoints, compiled for a lookup per outbound request. */
export interface Endpoints {
  /** `host` or `host:port` → rules, longest path first. */
  readonly exact: ReadonlyMap<string, readonly Rule[]>;
  /** `*.suffix` hosts: the suffix with its leading dot, the port ('' for any); port-bound and longest first. */
  readonly wildcard: readonly {
    readonly suffix: string;
    readonly port: string;
    readonly rules: readonly Rule[];
  }[];
  /** Every endpoint as written (`api.sendgrid.com/v3/mail → sendgrid`), for start-up logs. */
  readonly listed: readonly string[];
}

export function compileEndpoints(
  subprocessors: readonly {
    readonly key: string;
    readonly endpoints?: readonly PolicyMapEndpoint[];
  }[],
  purposes: ReadonlySet<string>,
): Endpoints {
  const exact = new Map<string, Rule[]>();
  const wildcard = new Map<string, Rule[]>();
  const listed: string[] = [];
  subprocessors.forEach((s, i) =>
    (s.endpoints ?? []).forEach((e, j) => {
      const at = `subprocessors[${i}].endpoints[${j}]`;
      if (
        typeof e.host !== 'string' ||
        !ENDPOINT_HOST_PATTERN.test(e.host) ||
        e.host.length > 260
      ) {
        throw new PolicyMapError(
          `${at}.host`,
          'must be a lower-case host name, optionally *. in front and :port after',
        );
      }
      if (
        e.path !== undefined &&
        (typeof e.path !== 'string' || !ENDPOINT_PATH_PATTERN.test(e.path) || e.path.length > 500)
      ) {
        throw new PolicyMapError(
          `${at}.path`,
          'must start with / and hold no query, fragment or spaces',
        );
      }
      if (e.purpose !== undefined && !purposes.has(e.purpose)) {
        throw new PolicyMapError(`${at}.purpose`, `unknown purpose "${e.purpose}"`);
      }
      const path = (e.path ?? '').replace(/\/+$/, '');
      const wild = e.host.startsWith('*.');
      const table = wild ? wildcard : exact;
      const key = wild ? e.host.slice(1) : e.host;
      const rules = table.get(key) ?? [];
      const clash = rules.find((r) => r.path === path);
      if (clash !== undefined) {
        throw new PolicyMapError(
          at,
          `${e.host}${path} is already an endpoint of ${clash.subprocessor}`,
        );
      }
      rules.push({ subprocessor: s.key, purpose: e.purpose, path });
      rules.sort((a, b) => b.path.length - a.path.length);
      table.set(key, rules);
      listed.push(`${e.host}${path} → ${s.key}${e.purpose === undefined ? '' : ` (${e.purpose})`}`);
    }),
  );
  return Object.freeze({
    exact,
    wildcard: [...wildcard]
      .map(([key, rules]) => {
        const colon = key.indexOf(':');
        return colon === -1
          ? { suffix: key, port: '', rules }
          : { suffix: key.slice(0, colon), port: key.slice(colon + 1), rules };
      })
      .sort(
        (a, b) =>
          Number(b.port !== '') - Number(a.port !== '') || b.suffix.length - a.suffix.length,
      ),
    listed: Object.freeze(listed),
  });
}

/**
 * The subprocessor a request goes to: `host` is the request's lower-case host name, `port`
 * its port ('' for the scheme's default), `path` its path (query allowed). An exact host
 * beats a wildcard, `host:port` beats `host`, and the longest path prefix wins.
 */
export function matchEndpoint(
  endpoints: Endpoints,
  host: string,
  port: string,
  path: string,
): EndpointTarget | null {
  const { exact, wildcard } = endpoints;
  if (exact.size > 0) {
    const hit =
      (port === '' ? undefined : pick(exact.get(`${host}:${port}`), path)) ??
      pick(exact.get(host), path);
    if (hit !== undefined) return hit;
  }
  for (const w of wildcard) {
    if (
      (w.port === '' || w.port === port) &&
      host.length > w.suffix.length &&
      host.endsWith(w.suffix)
    ) {
      const hit = pick(w.rules, path);
      if (hit !== undefined) return hit;
    }
  }
  return null;
}

function pick(rules: readonly Rule[] | undefined, path: string): Rule | undefined {
  if (rules === undefined) return undefined;
  for (const rule of rules) {
    const p = rule.path;
    if (p === '') return rule;
    if (path.startsWith(p)) {
      const next = path.charCodeAt(p.length);
      // Whole segments only: end of path, `/`, `?` or `#`.
      if (Number.isNaN(next) || next === 47 || next === 63 || next === 35) return rule;
    }
  }
  return undefined;
}

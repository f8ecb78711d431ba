import {
  compileEndpoints,
  matchEndpoint,
  type EndpointTarget,
  type Endpoints,
  type PathNode,
  type Policy,
} from '@flowgate/core';
import {
  FlowgateError,
  type EgressScope,
  type GateResult,
  type Guard,
  type GuardedCall,
} from '@flowgate/sdk';
import {
  bodyKindOf,
  pairsToPayload,
  personalHeaders,
  redactPairs,
  removedHeaders,
  scopeStorage,
  toSearchParams,
  type Pair,
} from '@flowgate/sdk/internal';

export type UnknownHostPolicy = 'allow' | 'report' | 'deny';
export type OutsideUserScopeRule = 'deny' | 'system';

export interface EgressGuardOptions {
  /**
   * Requests to a host no subprocessor declares: `allow` (default; reported once per host
   * as drift), `report` (allowed, every request reported, one warning per host) or `deny`.
   */
  readonly unknownHosts?: UnknownHostPolicy;
  /** Plumbing never guarded nor reported: hosts as endpoints are written (`*.internal`, `db:8080`) or URLs. */
  readonly exempt?: readonly string[];
  /**
   * A request to a subprocessor outside any user scope: `deny` (default) or `system`: it
   * goes when it carries none of the map's fields (the flow's own work, no user data).
   */
  readonly outsideUserScope?: OutsideUserScopeRule;
  /** Body bytes buffered per request (default 1 MiB); a larger body is opaque (denied in enforce and redact mode). */
  readonly maxBodyBytes?: number;
  /** Hook Node's fetch (undici's global dispatcher); default true. */
  readonly fetch?: boolean;
  /** Hook node:http and node:https; default true. */
  readonly http?: boolean;
  /** Where the start-up line (hosts mapped to subprocessors) goes; default console.info. */
  readonly log?: (line: string) => void;
}

/** One outbound request as the hooks see it, before its body. */
export interface Outbound {
  readonly host: string;
  /** '' for the scheme's default port. */
  readonly port: string;
  /** Path with query. */
  readonly path: string;
}

/** A request the guard decides: where it goes and whose it is. */
export interface Gated extends Outbound {
  readonly target: EndpointTarget;
  readonly scope: EgressScope | undefined;
}

/** What to send instead, when the decision changed the request. */
export interface Rewrite {
  readonly path: string | null;
  readonly body: Buffer | null;
  readonly removeHeaders: readonly string[];
}

type Headers = Readonly<Record<string, unknown>>;

const UNMAPPED = '(unmapped)';
const MAX_HOSTS_SEEN = 1_000;

/**
 * The egress guard's decisions, shared by the fetch and node:http hooks: `classify` (sync,
 * a host lookup) says whether a request is guarded; `decide` takes its headers and body.
 */
export class EgressEngine {
  readonly unknownHosts: UnknownHostPolicy;
  readonly outsideUserScope: OutsideUserScopeRule;
  readonly maxBodyBytes: number;
  private readonly exempt: Endpoints;
  private readonly seenHosts = new Set<string>();
  private listedFor: Endpoints | null = null;

  constructor(
    readonly guard: Guard,
    options: EgressGuardOptions,
    private readonly log: (line: string) => void,
  ) {
    const problems: string[] = [];
    this.unknownHosts = options.unknownHosts ?? 'allow';
    if (!['allow', 'report', 'deny'].includes(this.unknownHosts))
      problems.push('unknownHosts: must be one of allow, report, deny');
    this.outsideUserScope = options.outsideUserScope ?? 'deny';
    if (!['deny', 'system'].includes(this.outsideUserScope))
      problems.push('outsideUserScope: must be one of deny, system');
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    if (!Number.isInteger(this.maxBodyBytes) || this.maxBodyBytes < 0)
      problems.push('maxBodyBytes: must be a non-negative integer');
    const exempt = options.exempt ?? [];
    if (!Array.isArray(exempt) || exempt.some((h) => typeof h !== 'string'))
      problems.push('exempt: must be an array of hosts or URLs');
    let compiled: Endpoints | null = null;
    try {
      compiled = compileEndpoints(
        [{ key: 'exempt', endpoints: exempt.map((h) => ({ host: exemptHost(h) })) }],
        new Set(),
      );
    } catch (error) {
      problems.push(
        `exempt: ${(error as Error).message.replace(/^subprocessors\[0\]\.endpoints/, '')}`,
      );
    }
    if (problems.length > 0)
      throw new FlowgateError(
        'INVALID_OPTIONS',
        `Invalid egress guard options: ${problems.join('; ')}`,
      );
    this.exempt = compiled as Endpoints;
  }

  /**
   * Which subprocessor `out` goes to (a host lookup, nothing else), null to let it pass
   * untouched, or the error to fail it with at once.
   */
  classify(out: Outbound): Gated | null | Error {
    const scope = scopeStorage.getStore();
    if (scope?.skip === true) return null;
    if (
      this.exempt.exact.size + this.exempt.wildcard.length > 0 &&
      matchEndpoint(this.exempt, out.host, out.port, out.path) !== null
    ) {
      return null;
    }
    const policy = this.guard.options.source.state()?.policy;
    if (policy === undefined) return this.noPolicy(out);
    if (policy.endpoints !== this.listedFor) this.list(policy);
    const target = matchEndpoint(policy.endpoints, out.host, out.port, out.path);
    if (target === null) return this.unknown(out, policy);
    if (scope?.userId == null && this.outsideUserScope === 'deny')
      return this.noUser(out, target, policy);
    return { host: out.host, port: out.port, path: out.path, target, scope };
  }

  /**
   * Decides a guarded request on its wire form: the query, the headers and the body
   * (`opaque` when it could not be read whole). Resolves to null (send unchanged), a
   * `Rewrite` (redact mode), or rejects with the error to fail the request with.
   */
  decide(
    req: Gated,
    headers: Headers,
    body: Buffer | null,
    opaque: boolean,
  ): Rewrite | null | Promise<Rewrite | null> {
    const queryAt = req.path.indexOf('?');
    const queryPairs: Pair[] =
      queryAt === -1 ? [] : [...new URLSearchParams(req.path.slice(queryAt + 1))];
    const payloads: unknown[] = [];
    if (queryPairs.length > 0) payloads.push(pairsToPayload(queryPairs));
    const read = opaque ? OPAQUE : readBody(body, headers);
    const bodyAt =
      read.kind === 'json' || read.kind === 'form' ? payloads.push(read.payload) - 1 : -1;
    // Host is where the request goes (matched to the subprocessor above), never its payload:
    // an IP there is the vendor's address, not a person's.
    const flagged = personalHeaders(withoutHost(headers));
    const headersAt = flagged === null ? -1 : payloads.push({ headers: flagged }) - 1;
    const { scope, target } = req;

    if (scope?.userId == null) return this.system(req, payloads, read.kind === 'opaque');
    const call: GuardedCall = {
      userId: scope.userId,
      subprocessor: target.subprocessor,
      purpose: target.purpose,
      gpc: scope.gpc,
      payloads,
      opaque: read.kind === 'opaque' ? ['body'] : [],
    };
    const rewrite = (result: GateResult): Rewrite | null => {
      if (!result.redacted) return null;
      const blocked = result.decision.blocked;
      let path: string | null = null;
      if (queryPairs.length > 0) {
        const kept = toSearchParams(redactPairs(queryPairs, blocked)).toString();
        path = req.path.slice(0, queryAt) + (kept === '' ? '' : `?${kept}`);
      }
      let nextBody: Buffer | null = null;
      if (read.kind === 'json') nextBody = Buffer.from(JSON.stringify(result.payloads[bodyAt]));
      else if (read.kind === 'form')
        nextBody = Buffer.from(toSearchParams(redactPairs(read.pairs, blocked)).toString());
      const removeHeaders =
        flagged === null ? [] : removedHeaders(flagged, result.payloads[headersAt]);
      return { path, body: nextBody, removeHeaders };
    };
    try {
      const cached = this.guard.gateCached(call);
      if (cached !== undefined) return rewrite(cached);
    } catch (error) {
      return Promise.reject(refused(req, error));
    }
    return this.guard
      .gate(call)
      .then(rewrite, (error: unknown) => Promise.reject(refused(req, error)));
  }

  /** Outside a user scope under `system`: the request goes if it carries none of the map's fields. */
  private system(
    req: Gated,
    payloads: readonly unknown[],
    opaqueBody: boolean,
  ): null | Promise<never> {
    const policy = this.guard.options.source.state()?.policy;
    const fields = new Set<string>();
    if (policy !== undefined) for (const p of payloads) collectFields(policy.paths, p, fields, 0);
    if (fields.size === 0 && !opaqueBody) return null;
    const what =
      fields.size > 0
        ? `carries ${[...fields].slice(0, 10).join(', ')}`
        : 'has a body the guard cannot read';
    const error = new FlowgateError(
      'NO_USER_CONTEXT',
      `Flowgate: a request to ${req.target.subprocessor} outside any user scope ${what}; open one with guard.runAs(userId, fn)`,
    );
    return this.blockedOrMonitored(req, req.target.subprocessor, '*', 'no-user-context', error);
  }

  private noUser(out: Outbound, target: EndpointTarget, policy: Policy): Error | null {
    const error = new FlowgateError(
      'NO_USER_CONTEXT',
      `Flowgate: a request to ${target.subprocessor} (${out.host}${out.path.split('?')[0]}) outside any user scope; open one with guard.runAs(userId, fn)`,
    );
    return this.blockedOrMonitoredSync(
      out,
      target.subprocessor,
      target.purpose ?? null,
      '*',
      'no-user-context',
      error,
      policy.version,
    );
  }

  private unknown(out: Outbound, policy: Policy): Error | null {
    const { unknownHosts } = this;
    const host = out.port === '' ? out.host : `${out.host}:${out.port}`;
    if (unknownHosts === 'deny') {
      const error = new FlowgateError(
        'CONSENT_DENIED',
        `Flowgate: ${host} is no endpoint of any subprocessor in the data map, and unknown hosts are denied`,
      );
      return this.blockedOrMonitoredSync(
        out,
        UNMAPPED,
        null,
        host,
        'unmapped-host',
        error,
        policy.version,
      );
    }
    const first = this.firstTime(host);
    if (first || unknownHosts === 'report')
      this.report('drift', UNMAPPED, null, host, 'unmapped-host', policy.version);
    if (first && unknownHosts === 'report') {
      this.say(
        `request to ${host}, which no subprocessor in the data map declares among its endpoints`,
      );
    }
    return null;
  }

  private noPolicy(out: Outbound): Error | null {
    const { mode, failClosed } = this.guard.options;
    if (mode === 'monitor' || !failClosed) return null;
    return refused(
      out,
      new FlowgateError(
        'POLICY_UNAVAILABLE',
        'Flowgate: no policy loaded yet, so no outbound request can be matched to a subprocessor',
      ),
    );
  }

  private blockedOrMonitoredSync(
    out: Outbound,
    subprocessor: string,
    purpose: string | null,
    field: string,
    reason: string,
    error: FlowgateError,
    version: number,
  ): Error | null {
    const monitor = this.guard.options.mode === 'monitor';
    this.report(monitor ? 'monitored' : 'blocked', subprocessor, purpose, field, reason, version);
    return monitor ? null : refused(out, error);
  }

  private blockedOrMonitored(
    req: Gated,
    subprocessor: string,
    field: string,
    reason: string,
    error: FlowgateError,
  ): null | Promise<never> {
    const version = this.guard.options.source.state()?.policy.version ?? 0;
    const failed = this.blockedOrMonitoredSync(
      req,
      subprocessor,
      req.target.purpose ?? null,
      field,
      reason,
      error,
      version,
    );
    return failed === null ? null : Promise.reject(failed);
  }

  private report(
    kind: 'drift' | 'blocked' | 'monitored',
    subprocessor: string,
    purpose: string | null,
    field: string,
    reason: string,
    policyVersion: number,
  ): void {
    try {
      this.guard.options.reporter.report({
        kind,
        subprocessor,
        purpose,
        field,
        reason,
        mode: this.guard.options.mode,
        policyVersion,
      });
    } catch {
      // Reporting never fails the request.
    }
  }

  private firstTime(host: string): boolean {
    if (this.seenHosts.has(host) || this.seenHosts.size >= MAX_HOSTS_SEEN) return false;
    this.seenHosts.add(host);
    return true;
  }

  /** Logs the hosts `policy` maps to subprocessors (once per policy with other endpoints). */
  list(policy: Policy): void {
    this.listedFor = policy.endpoints;
    const listed = policy.endpoints.listed;
    this.say(
      `egress guard: policy v${policy.version} maps ${listed.length} endpoint(s) to subprocessors${listed.length > 0 ? `: ${listed.join(', ')}` : ''}; unknown hosts: ${this.unknownHosts}`,
    );
  }

  say(line: string): void {
    try {
      this.log(line);
    } catch {
      // A broken log callback must not break a request.
    }
  }
}

const OPAQUE = { kind: 'opaque' } as const;
const NONE = { kind: 'none' } as const;
type ReadBody =
  | { kind: 'json'; payload: unknown }
  | { kind: 'form'; payload: unknown; pairs: Pair[] }
  | typeof OPAQUE
  | typeof NONE;

/** The body as the engine reads it: JSON, a form, none, or opaque (compressed, binary, multipart). */
function readBody(body: Buffer | null, headers: Headers): ReadBody {
  if (body === null || body.length === 0) return NONE;
  const encoding = headerValue(headers, 'content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return OPAQUE;
  const text = body.toString('utf8');
  const kind = bodyKindOf(headerValue(headers, 'content-type'), text);
  if (kind === 'form') {
    const pairs = [...new URLSearchParams(text)];
    return { kind: 'form', payload: pairsToPayload(pairs), pairs };
  }
  if (kind === 'json') {
    try {
      return { kind: 'json', payload: JSON.parse(text) as unknown };
    } catch {
      return OPAQUE;
    }
  }
  return OPAQUE;
}

function headerValue(headers: Headers, name: string): string | null {
  const value = headers[name];
  if (value === undefined || value === null) return null;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/** Adds the map fields whose paths `value` holds (for the `system` rule). */
function collectFields(node: PathNode, value: unknown, into: Set<string>, depth: number): void {
  if (value === undefined || depth > 32) return;
  for (const f of node.fields) into.add(f);
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    if (node.each !== null) for (const v of value) collectFields(node.each, v, into, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    const child = node.props[key];
    if (child !== undefined)
      collectFields(child, (value as Record<string, unknown>)[key], into, depth + 1);
  }
}

/** `https://flowgate.internal:8443/x` → `flowgate.internal:8443`; hosts pass as written. */
function exemptHost(entry: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return entry.toLowerCase();
  const url = new URL(entry);
  return url.port === '' ? url.hostname : `${url.hostname}:${url.port}`;
}

export interface RefusedError extends Error {
  readonly code: 'ECONNREFUSED';
  readonly errno: number;
  readonly syscall: 'connect';
  readonly address: string;
}

/**
 * The error a denied request fails with: shaped as a refused connection (what every HTTP
 * client already handles), with the Flowgate error as its `cause`.
 */
export function refused(out: Outbound, cause: unknown): RefusedError {
  const why = cause instanceof Error ? cause.message : String(cause);
  const error = new Error(
    `connect ECONNREFUSED ${out.host}${out.port === '' ? '' : `:${out.port}`} (${why})`,
    { cause },
  ) as Error & Record<string, unknown>;
  error.code = 'ECONNREFUSED';
  error.errno = -111;
  error.syscall = 'connect';
  error.address = out.host;
  if (out.port !== '') error.port = Number(out.port);
  return error as unknown as RefusedError;
}

/** The request's headers without `host` (any case), for inspection. */
function withoutHost(headers: Headers): Headers {
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'host')) return headers;
  const rest: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) if (name.toLowerCase() !== 'host') rest[name] = headers[name];
  return rest;
}

/**
 * The decision engine against the same rules written for casbin, Cedar (cedar-wasm) and a
 * per-decision SQLite query. Every engine must agree with ours on a 10,000-case sample.
 *
 * Division of labour, the same for casbin and Cedar: a little glue resolves the flow
 * (vendor × purpose, two hash lookups) and fetches the user's stored choice for it, as an
 * application hands a policy engine its request; everything else — mode, consent table,
 * excluded / undeclared fields, precedence, stale consent — is in their policy. SQLite
 * gets the raw tables and does all of it, flow lookup included, in one query.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import sqlite3 from 'sqlite3';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  allows,
  compileConsents,
  compilePolicy,
  decide,
  EMPTY_CONSENTS,
  type ConsentChoice,
  type Consents,
  type Decision,
  type DecisionRequest,
  type Policy,
  type ReasonCode,
} from '@flowgate/core';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { StringIdLimitEngine, type LimitConsents } from './engines/string-id-limit';
import { measureServerMemory, type ServerMemory } from './support/server-memory';
import {
  DEFAULT_WORLD,
  syntheticPayloadRequests,
  syntheticRequests,
  syntheticSample,
  syntheticWorld,
  type SyntheticCase,
  type SyntheticWorld,
} from './synthetic-map';

const RUNS = 5;
const SAMPLE = 10_000;

/** Order-insensitive decision, as every engine can produce it. */
interface Verdict {
  readonly reason: ReasonCode | null;
  readonly flowKey: string | null;
  /** `field:reason` (reason `ok` when allowed), sorted. */
  readonly fields: readonly string[];
}

type DecideOne = (c: SyntheticCase) => Verdict | Promise<Verdict>;

function verdictOf(d: Decision): Verdict {
  const fields = [
    ...d.allowedFields.map((f) => `${f}:ok`),
    ...d.blocked.map((b) => `${b.field}:${b.reason}`),
  ];
  return { reason: d.reason, flowKey: d.flowKey, fields: fields.sort() };
}

const sameVerdict = (a: Verdict, b: Verdict): boolean => JSON.stringify(a) === JSON.stringify(b);

/* ---------------------------------------------------------------------------------------- */
/* Shared glue for casbin and Cedar: flow resolution and the user's stored choice.           */
/* ---------------------------------------------------------------------------------------- */

interface Glue {
  /** The flow key for a request, or '' when there is none. */
  flowOf(request: DecisionRequest): string;
  /** The user's stored choice for a flow. */
  choiceOf(user: number, flowKey: string): ConsentChoice | undefined;
  gpcOf(user: number, request: DecisionRequest): boolean;
}

function glueFor(world: SyntheticWorld): Glue {
  const byVendor = new Map<string, Map<string, string>>();
  for (const f of world.map.flows) {
    const purposes = byVendor.get(f.subprocessor) ?? new Map<string, string>();
    byVendor.set(f.subprocessor, purposes.set(f.purpose, f.key));
  }
  const choices = world.users.map((u) => (u.choices.length === 0 ? undefined : new Map(u.choices)));
  return {
    flowOf({ subprocessor, purpose }) {
      const purposes = byVendor.get(subprocessor);
      if (purposes === undefined) return '';
      if (purpose === undefined) return purposes.size === 1 ? [...purposes.values()][0] : '';
      return purposes.get(purpose) ?? '';
    },
    choiceOf: (user, flowKey) => choices[user]?.get(flowKey),
    gpcOf: (user, request) => world.users[user].gpc || request.gpc === true,
  };
}

/** The reason of a flow-level answer combined with per-field answers, by precedence. */
function combine(
  flowKey: string,
  flowReason: ReasonCode | null,
  fields: readonly string[],
  reasons: readonly (ReasonCode | null)[],
): Verdict {
  const entries = fields.map((f, i) => `${f}:${reasons[i] ?? 'ok'}`).sort();
  return { reason: flowReason, flowKey: flowKey === '' ? null : flowKey, fields: entries };
}

/* ---------------------------------------------------------------------------------------- */
/* casbin: a generic rule table (priority-ordered policy lines) over facts in role links.    */
/* ---------------------------------------------------------------------------------------- */

const CASBIN_MODEL = `
[request_definition]
r = sub, flow, field

[policy_definition]
p = rule, eft

[role_definition]
g = _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = priority(p.eft) || deny

[matchers]
m = ${[
  `(p.rule == "no-flow" && r.flow == "")`,
  `(p.rule == "undeclared" && r.field != "" && !g2(r.flow + "/" + r.field, "sent")` +
    ` && !g2(r.flow + "/" + r.field, "excluded"))`,
  `(p.rule == "excluded" && r.field != "" && g2(r.flow + "/" + r.field, "excluded"))`,
  `(p.rule == "opted-out" && !g(r.flow, "required") && (r.sub.state == "denied"` +
    ` || (g(r.flow, "opt-out") && r.sub.state == "none" && r.sub.gpc)))`,
  `(p.rule == "not-opted-in" && g(r.flow, "opt-in") && r.sub.state == "none")`,
  `(p.rule == "stale-consent" && r.field != "" && g(r.flow, "opt-in") && r.sub.state == "granted"` +
    ` && g3(r.flow + "/" + r.field + "@" + r.sub.version, "stale"))`,
  `p.rule == "allow"`,
].join(' || ')}
`;

/** The rule table, in precedence order: the first line whose rule matches decides. */
const CASBIN_RULES = [
  'no-flow',
  'undeclared',
  'excluded',
  'opted-out',
  'not-opted-in',
  'stale-consent',
];

/**
 * Policy lines: the rule table in precedence order, then facts as role links —
 * g: flow → mode; g2: flow/field → sent | excluded; g3: flow/field@v → stale, for every
 * grant version v below the field's \`since\` (opt-in flows only).
 */
function casbinPolicy(world: SyntheticWorld): string {
  const lines = CASBIN_RULES.map((rule) => `p, ${rule}, deny`);
  lines.push('p, allow, allow');
  for (const f of world.map.flows) {
    lines.push(`g, ${f.key}, ${f.mode}`);
    for (const { key, since } of f.fields) {
      lines.push(`g2, ${f.key}/${key}, sent`);
      if (f.mode !== 'opt-in') continue;
      for (let v = 0; v < since; v++) lines.push(`g3, ${f.key}/${key}@${v}, stale`);
    }
    for (const key of f.excludedFields) lines.push(`g2, ${f.key}/${key}, excluded`);
  }
  return lines.join('\n');
}

interface Engine {
  readonly decideOne: DecideOne;
  /** What the rules took: policy lines, policies, a query. */
  readonly rules: string;
}

async function casbinEngine(world: SyntheticWorld, glue: Glue): Promise<Engine> {
  const policy = casbinPolicy(world);
  const model = newModelFromString(CASBIN_MODEL);
  const enforcer: Enforcer = await newEnforcer(model, new StringAdapter(policy));
  const ask = (sub: object, flow: string, field: string): ReasonCode | null => {
    const [allowed, rule] = enforcer.enforceExSync(sub, flow, field);
    return allowed ? null : ((rule[0] ?? 'undeclared') as ReasonCode);
  };
  const decideOne: DecideOne = ({ user, request }) => {
    const flow = glue.flowOf(request);
    const choice = flow === '' ? undefined : glue.choiceOf(user, flow);
    const sub = {
      state: choice === undefined ? 'none' : choice.granted ? 'granted' : 'denied',
      version: choice?.version ?? 0,
      gpc: glue.gpcOf(user, request),
    };
    const fields = request.fields ?? [];
    return combine(flow, ask(sub, flow, ''), fields, fields.map((field) => ask(sub, flow, field)));
  };
  return { decideOne, rules: `${fmt(policy.split('\n').length)} policy lines` };
}

/* ---------------------------------------------------------------------------------------- */
/* Cedar: entities for flows and flow fields; one policy per reason code (ids = reasons).    */
/* ---------------------------------------------------------------------------------------- */

/** The flow itself, or a field the flow sends: where consent reasons apply. */
const SENT = `(!(resource is FlowField) || (resource has kind && resource.kind == "sent"))`;
const CEDAR_POLICIES: Record<string, string> = {
  allow: `permit (principal, action == Action::"send", resource);`,
  'no-flow': `forbid (principal, action, resource) unless { context.flow has mode };`,
  undeclared: `forbid (principal, action, resource is FlowField)
    when { context.flow has mode && !(resource has kind) };`,
  excluded: `forbid (principal, action, resource is FlowField)
    when { resource has kind && resource.kind == "excluded" };`,
  'opted-out': `forbid (principal, action, resource)
    when { context.flow has mode && context.flow.mode != "required" && ${SENT} &&
      (context.state == "denied" ||
        (context.flow.mode == "opt-out" && context.state == "none" && context.gpc)) };`,
  'not-opted-in': `forbid (principal, action, resource)
    when { context.flow has mode && context.flow.mode == "opt-in" && context.state == "none" &&
      ${SENT} };`,
  'stale-consent': `forbid (principal, action, resource is FlowField)
    when { resource has kind && resource.kind == "sent" && context.flow.mode == "opt-in" &&
      context.state == "granted" && resource.since > context.version };`,
};

function cedarEngine(world: SyntheticWorld, glue: Glue): Engine {
  const parsed = cedar.preparsePolicySet('flowgate', { staticPolicies: CEDAR_POLICIES });
  if (parsed.type !== 'success') {
    throw new Error(`cedar policies: ${JSON.stringify(parsed.errors)}`);
  }

  const uid = (type: string, id: string) => ({ type, id });
  const flows = new Map<string, cedar.EntityJson>();
  const flowFields = new Map<string, cedar.EntityJson>();
  for (const f of world.map.flows) {
    flows.set(f.key, { uid: uid('Flow', f.key), attrs: { mode: f.mode }, parents: [] });
    const field = (key: string, attrs: Record<string, cedar.CedarValueJson>) => {
      const id = `${f.key}/${key}`;
      flowFields.set(id, { uid: uid('FlowField', id), attrs, parents: [uid('Flow', f.key)] });
    };
    for (const { key, since } of f.fields) field(key, { kind: 'sent', since });
    for (const key of f.excludedFields) field(key, { kind: 'excluded' });
  }

  type Uid = { type: string; id: string };
  const ask = (resource: Uid, entities: cedar.EntityJson[], context: cedar.Context) => {
    const answer = cedar.statefulIsAuthorized({
      principal: uid('User', 'u'),
      action: uid('Action', 'send'),
      resource,
      context,
      preparsedPolicySetId: 'flowgate',
      entities,
    });
    if (answer.type !== 'success') throw new Error(`cedar: ${JSON.stringify(answer.errors)}`);
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      throw new Error(`cedar: ${JSON.stringify(diagnostics.errors)}`);
    }
    if (decision === 'allow') return null;
    return (diagnostics.reason[0] ?? 'undeclared') as ReasonCode;
  };

  const decideOne: DecideOne = ({ user, request }) => {
    const flow = glue.flowOf(request);
    const choice = flow === '' ? undefined : glue.choiceOf(user, flow);
    const context: cedar.Context = {
      flow: { __entity: uid('Flow', flow) },
      state: choice === undefined ? 'none' : choice.granted ? 'granted' : 'denied',
      version: choice?.version ?? 0,
      gpc: glue.gpcOf(user, request),
    };
    const flowEntity = flows.get(flow);
    const base = flowEntity === undefined ? [] : [flowEntity];
    const flowReason = ask(uid('Flow', flow), base, context);
    const fields = request.fields ?? [];
    const reasons = fields.map((field) => {
      const id = `${flow}/${field}`;
      const entity = flowFields.get(id);
      return ask(uid('FlowField', id), entity === undefined ? base : [...base, entity], context);
    });
    return combine(flow, flowReason, fields, reasons);
  };
  return { decideOne, rules: `${Object.keys(CEDAR_POLICIES).length} policies` };
}

/* ---------------------------------------------------------------------------------------- */
/* SQLite: the map and the consents as tables, one query per decision (sqlite3, async).      */
/* ---------------------------------------------------------------------------------------- */

const SQL_SCHEMA = `
CREATE TABLE flows (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, subprocessor TEXT NOT NULL,
  purpose TEXT NOT NULL, mode TEXT NOT NULL, UNIQUE (subprocessor, purpose));
CREATE TABLE flow_fields (flow_id INTEGER NOT NULL, field TEXT NOT NULL, since INTEGER,
  excluded INTEGER NOT NULL, PRIMARY KEY (flow_id, field)) WITHOUT ROWID;
CREATE TABLE consents (user_id INTEGER NOT NULL, flow_id INTEGER NOT NULL, granted INTEGER NOT NULL,
  version INTEGER NOT NULL, PRIMARY KEY (user_id, flow_id)) WITHOUT ROWID;
CREATE TABLE users (id INTEGER PRIMARY KEY, gpc INTEGER NOT NULL);
`;

/** One row for the flow (field NULL) and one per requested field, in request order. */
const SQL_DECIDE = `
WITH flow AS (
  SELECT f.id, f.key, f.mode FROM flows f
  WHERE f.subprocessor = $sp AND (f.purpose = $purpose
    OR ($purpose IS NULL AND (SELECT count(*) FROM flows WHERE subprocessor = $sp) = 1))
), state AS (
  SELECT flow.id, flow.key, flow.mode, c.granted, c.version,
    CASE
      WHEN flow.mode = 'required' THEN NULL
      WHEN c.granted = 0 THEN 'opted-out'
      WHEN flow.mode = 'opt-out' AND c.granted IS NULL
        AND ($gpc OR (SELECT gpc FROM users WHERE id = $user)) THEN 'opted-out'
      WHEN flow.mode = 'opt-in' AND c.granted IS NULL THEN 'not-opted-in'
    END AS flow_reason
  FROM flow LEFT JOIN consents c ON c.user_id = $user AND c.flow_id = flow.id
), asked AS (
  SELECT NULL AS idx, NULL AS field UNION ALL SELECT key, value FROM json_each($fields)
)
SELECT asked.field, s.key AS flow_key,
  CASE
    WHEN s.id IS NULL THEN 'no-flow'
    WHEN asked.field IS NULL THEN s.flow_reason
    WHEN ff.field IS NULL THEN 'undeclared'
    WHEN ff.excluded THEN 'excluded'
    WHEN s.flow_reason IS NOT NULL THEN s.flow_reason
    WHEN s.mode = 'opt-in' AND ff.since > s.version THEN 'stale-consent'
  END AS reason
FROM asked LEFT JOIN state s
  LEFT JOIN flow_fields ff ON ff.flow_id = s.id AND ff.field = asked.field
ORDER BY asked.idx NULLS FIRST
`;

interface SqlRow {
  field: string | null;
  flow_key: string | null;
  reason: ReasonCode | null;
}

async function sqliteEngine(world: SyntheticWorld): Promise<Engine & { close(): Promise<void> }> {
  const db = new sqlite3.Database(':memory:');
  const settle = (resolve: () => void, reject: (e: Error) => void) => (error: Error | null) =>
    error ? reject(error) : resolve();
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<void>((resolve, reject) => db.run(sql, params, settle(resolve, reject)));
  await new Promise<void>((resolve, reject) => db.exec(SQL_SCHEMA, settle(resolve, reject)));
  await run('BEGIN');
  const flowId = new Map(world.map.flows.map((f, i) => [f.key, i + 1]));
  for (const [i, f] of world.map.flows.entries()) {
    const id = i + 1;
    const flow = [id, f.key, f.subprocessor, f.purpose, f.mode];
    await run('INSERT INTO flows VALUES (?, ?, ?, ?, ?)', flow);
    for (const { key, since } of f.fields) {
      await run('INSERT INTO flow_fields VALUES (?, ?, ?, 0)', [id, key, since]);
    }
    for (const key of f.excludedFields) {
      await run('INSERT INTO flow_fields VALUES (?, ?, NULL, 1)', [id, key]);
    }
  }
  for (const [user, u] of world.users.entries()) {
    if (u.gpc) await run('INSERT INTO users VALUES (?, 1)', [user]);
    for (const [key, { granted, version }] of u.choices) {
      const consent = [user, flowId.get(key), granted ? 1 : 0, version];
      await run('INSERT INTO consents VALUES (?, ?, ?, ?)', consent);
    }
  }
  await run('COMMIT');
  const statement = db.prepare(SQL_DECIDE);

  const decideOne: DecideOne = ({ user, request }) =>
    new Promise<Verdict>((resolve, reject) => {
      const params = {
        $sp: request.subprocessor,
        $purpose: request.purpose ?? null,
        $user: user,
        $gpc: request.gpc === true ? 1 : 0,
        $fields: JSON.stringify(request.fields ?? []),
      };
      statement.all<SqlRow>(params, (error, rows) => {
        if (error) return reject(error);
        const [flowRow, ...fieldRows] = rows;
        const fields = fieldRows.map((r) => `${r.field}:${r.reason ?? 'ok'}`).sort();
        resolve({ reason: flowRow.reason, flowKey: flowRow.flow_key, fields });
      });
    });
  const close = () =>
    new Promise<void>((resolve) => statement.finalize(() => db.close(() => resolve())));
  return { decideOne, rules: '1 query, 4 tables', close };
}

/* ---------------------------------------------------------------------------------------- */
/* Measuring.                                                                                */
/* ---------------------------------------------------------------------------------------- */

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nowNs = (): number => Number(process.hrtime.bigint());

/**
 * Decisions per second of wall-clock time, and per second of CPU time this process used
 * (all its threads: the GC's, SQLite's worker). On a shared machine the CPU figure is the
 * steadier one: time spent waiting for a core does not count against the engine.
 */
interface Rate {
  readonly wall: number;
  readonly cpu: number;
}

function startClock(): (decisions: number) => Rate {
  const wall = nowNs();
  const cpu = process.cpuUsage();
  return (decisions) => {
    const used = process.cpuUsage(cpu);
    return {
      wall: (decisions / (nowNs() - wall)) * 1e9,
      cpu: (decisions / (used.user + used.system)) * 1e6,
    };
  };
}

const medianRate = (rates: readonly Rate[]): Rate => ({
  wall: median(rates.map((r) => r.wall)),
  cpu: median(rates.map((r) => r.cpu)),
});

/**
 * Our engine: a tight loop over precomputed cases, median of runs after a warm-up.
 * Each case's consents are looked up beforehand: finding a user's consents is the
 * caller's job (the SDK's cache), not decide()'s.
 */
function measureOurs(
  policy: Policy,
  consents: readonly Consents[],
  cases: readonly SyntheticCase[],
  perRun: number,
  runs: number,
): Rate {
  const consentsOf = cases.map((c) => consents[c.user]);
  const requests = cases.map((c) => c.request);
  const mask = cases.length - 1; // cheaper than i % length in the loop
  if ((cases.length & mask) !== 0) throw new RangeError('cases: a power of two, please');
  const once = (count: number): Rate => {
    let allowed = 0;
    const stop = startClock();
    for (let i = 0; i < count; i++) {
      const k = i & mask;
      if (decide(policy, consentsOf[k], requests[k]).allow) allowed++;
    }
    const rate = stop(count);
    if (allowed < 0) console.log(allowed); // keep the result observable
    return rate;
  };
  once(perRun); // warm-up: let the optimizing compiler settle
  return medianRate(Array.from({ length: runs }, () => once(perRun)));
}

/** Another engine: each run decides cases in turn until `budgetMs` has passed. */
async function measureTheirs(
  decideOne: DecideOne,
  cases: readonly SyntheticCase[],
  budgetMs: number,
  runs: number,
): Promise<Rate> {
  let next = 0;
  const once = async (): Promise<Rate> => {
    let count = 0;
    const stop = startClock();
    const deadline = nowNs() + budgetMs * 1e6;
    while (nowNs() < deadline) {
      await decideOne(cases[next++ % cases.length]);
      count++;
    }
    return stop(count);
  };
  await once();
  const rates: Rate[] = [];
  for (let r = 0; r < runs; r++) rates.push(await once());
  return medianRate(rates);
}

/** The verdict-only engines, each as a loop over the same cases: one round of each, interleaved. */
interface VerdictLoops {
  readonly ours: (k: number) => boolean;
  readonly limit: (k: number) => boolean;
  readonly decide: (k: number) => boolean;
}

type VerdictRates = Record<keyof VerdictLoops, Rate>;

/**
 * Rounds in turn (ours, the limit engine, decide), medians per engine: on a
 * shared machine a slow moment then costs every engine alike, so their ratio holds.
 */
function measureVerdicts(loops: VerdictLoops, cases: number, perRun: number, rounds: number): VerdictRates {
  const mask = cases - 1;
  if ((cases & mask) !== 0) throw new RangeError('cases: a power of two, please');
  const once = (f: (k: number) => boolean, count: number): Rate => {
    let allowed = 0;
    const stop = startClock();
    for (let i = 0; i < count; i++) if (f(i & mask)) allowed++;
    const rate = stop(count);
    if (allowed < 0) console.log(allowed); // keep the result observable
    return rate;
  };
  const names = Object.keys(loops) as (keyof VerdictLoops)[];
  for (const name of names) once(loops[name], perRun); // warm-up
  const rates = Object.fromEntries(names.map((n) => [n, [] as Rate[]])) as Record<keyof VerdictLoops, Rate[]>;
  for (let r = 0; r < rounds; r++) for (const name of names) rates[name].push(once(loops[name], perRun));
  return Object.fromEntries(names.map((n) => [n, medianRate(rates[n])])) as VerdictRates;
}

/** Bytes of heap (JS objects and array buffers) `build` keeps, per item, after a full GC. */
function retainedBytes<T>(build: () => T[]): { readonly perItem: number; readonly kept: T[] } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const used = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const kept = build();
  const after = used();
  return { perItem: (after - before) / Math.max(1, kept.length), kept };
}

/** Disagreements with our engine over the sample, printed (the first few in full). */
async function disagreements(
  name: string,
  decideOne: DecideOne,
  ours: (c: SyntheticCase) => Verdict,
  sample: readonly SyntheticCase[],
): Promise<number> {
  let count = 0;
  for (const c of sample) {
    const theirs = await decideOne(c);
    const expected = ours(c);
    if (sameVerdict(theirs, expected)) continue;
    if (++count <= 5) {
      console.error(`${name} disagrees on ${JSON.stringify(c)}:`);
      console.error(`  ours:   ${JSON.stringify(expected)}\n  theirs: ${JSON.stringify(theirs)}`);
    }
  }
  return count;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export async function run(options: BenchOptions): Promise<BenchReport> {
  const runs = options.quick ? 2 : RUNS;
  const world = syntheticWorld(options.quick ? { users: 10_000 } : {});
  const [policy, compileMs] = timed(() => compilePolicy(world.map));
  const [consents, consentsMs] = timed(() =>
    world.users.map((u) =>
      u.choices.length === 0 && !u.gpc
        ? EMPTY_CONSENTS
        : compileConsents(policy, u.choices, { gpc: u.gpc }),
    ),
  );
  const setup: Setup = {
    referenceNs: referenceNs(),
    world,
    compileMs,
    consentsMs,
    choosers: world.users.filter((u) => u.choices.length > 0).length,
    compiledConsents: consents.filter((c) => c !== EMPTY_CONSENTS).length,
  };
  console.log(`\nDecision engine: ${describeWorld(setup)}`);

  // The same request stream for every engine's rate; a rule-exercising sample for agreement.
  const keyCases = syntheticRequests(world, 8192, 1);
  const payloadCases = syntheticPayloadRequests(world, 2048, 2);
  const sample = syntheticSample(world, options.quick ? 1000 : SAMPLE, 3);
  const ours = (c: SyntheticCase) => verdictOf(decide(policy, consents[c.user], c.request));

  const keysRate = measureOurs(policy, consents, keyCases, options.quick ? 2e5 : 2e6, runs);
  const payloadRate = measureOurs(policy, consents, payloadCases, options.quick ? 5e3 : 5e4, runs);
  const keysOk = keysRate.cpu >= 4e6;
  const rows: Row[] = [
    row('flowgate decide(): field keys', keysRate, '1×', `≥ 4,000,000/s: ${met(keysOk)}`, '—'),
    row('flowgate decide(): 20-key JSON payload', payloadRate, '', 'report', '—'),
  ];

  // The verdict alone, against the hand-written string-id limit engine, rounds interleaved.
  const limit = new StringIdLimitEngine(world.map);
  const limitConsents: LimitConsents[] = world.users.map((u) => limit.consentsOf(u.choices));
  const gpcs = world.users.map((u) => u.gpc);
  const limitWrong = sample.filter(
    (c) => limit.allows(limitConsents[c.user], gpcs[c.user], c.request) !== decide(policy, consents[c.user], c.request).allow,
  ).length;
  const oursOf = keyCases.map((c) => consents[c.user]);
  const limitOf = keyCases.map((c) => limitConsents[c.user]);
  const gpcOf = keyCases.map((c) => gpcs[c.user]);
  const requestOf = keyCases.map((c) => c.request);
  const verdicts = measureVerdicts(
    {
      ours: (k) => allows(policy, oursOf[k], requestOf[k]),
      limit: (k) => limit.allows(limitOf[k], gpcOf[k], requestOf[k]),
      decide: (k) => decide(policy, oursOf[k], requestOf[k]).allow,
    },
    keyCases.length,
    options.quick ? 2e5 : 2e6,
    runs,
  );
  const verdictRatio = verdicts.ours.cpu / verdicts.limit.cpu;
  const ofLimit = (r: Rate): string => `${(r.cpu / verdicts.limit.cpu).toFixed(2)}× the limit`;
  rows.push(
    row('flowgate allows(): the verdict alone, field keys', verdicts.ours, ofLimit(verdicts.ours), `≥ 0.5× the limit: ${met(verdictRatio >= 0.5)}`, '—'),
    row('flowgate decide(): the decision, field keys (same rounds)', verdicts.decide, ofLimit(verdicts.decide), 'report', '—'),
    row('limit engine: hand-written verdict, string ids (bench/engines)', verdicts.limit, '1×', 'the limit', `${limitWrong} / ${fmt(sample.length)}`),
  );

  // Compiled consents of the users who chose, ours against the limit engine's.
  const chose = world.users.filter((u) => u.choices.length > 0);
  const compiledBytes = retainedBytes(() => chose.map((u) => compileConsents(policy, u.choices, { gpc: u.gpc }))).perItem;
  const limitBytes = retainedBytes(() => chose.map((u) => limit.consentsOf(u.choices))).perItem;
  const memoryUsers = options.quick ? 50_000 : 1_000_000;
  console.log(`\nServer consent memory: deciding for ${fmt(memoryUsers)} distinct users through DecisionsService…`);
  const server = await measureServerMemory(memoryUsers);
  const memory: Memory = { compiledBytes, limitBytes, server, choosers: chose.length };

  const glue = glueFor(world);
  const sql = await sqliteEngine(world);
  const others: [name: string, target: number, engine: Engine][] = [
    [`casbin ${pkgVersion('casbin')}`, 25, await casbinEngine(world, glue)],
    [`cedar-wasm ${pkgVersion('@cedar-policy/cedar-wasm')}`, 0, cedarEngine(world, glue)],
    [`SQLite query (sqlite3 ${pkgVersion('sqlite3')})`, 60, sql],
  ];
  let failures = limitWrong;
  for (const [name, target, engine] of others) {
    const wrong = await disagreements(name, engine.decideOne, ours, sample);
    const rate = await measureTheirs(engine.decideOne, keyCases, options.quick ? 100 : 600, runs);
    failures += wrong;
    rows.push(
      row(
        `${name}: ${engine.rules}`,
        rate,
        `${fmt(keysRate.cpu / rate.cpu)}×`,
        target > 0 ? `ours ≥ ${target}×: ${met(keysRate.cpu / rate.cpu >= target)}` : 'report',
        `${wrong} / ${fmt(sample.length)}`,
      ),
    );
  }
  await sql.close();

  console.table(rows);
  console.table(memoryRows(memory));
  console.table([
    { step: 'compilePolicy', ms: compileMs.toFixed(1) },
    { step: `compileConsents × ${fmt(setup.compiledConsents)} users`, ms: consentsMs.toFixed(1) },
  ]);
  return { name: 'engine', markdown: markdownReport(rows, memory, setup), failures };
}

type Column =
  | 'engine'
  | 'per CPU-second'
  | 'per wall second'
  | 'ours ×'
  | 'target'
  | 'disagreements';
type Row = Record<Column, string>;

function row(engine: string, rate: Rate, ratio: string, target: string, wrong: string): Row {
  return {
    engine,
    'per CPU-second': fmt(rate.cpu),
    'per wall second': fmt(rate.wall),
    'ours ×': ratio,
    target,
    disagreements: wrong,
  };
}

interface Memory {
  /** Bytes retained per compiled user with choices: ours, the limit engine's. */
  readonly compiledBytes: number;
  readonly limitBytes: number;
  readonly choosers: number;
  readonly server: ServerMemory;
}

type MemoryRow = Record<'measure' | 'value' | 'target', string>;

function memoryRows({ compiledBytes, limitBytes, choosers, server }: Memory): MemoryRow[] {
  const perUser = server.heapPerUser;
  return [
    { measure: `compiled consents, per user with choices (${fmt(choosers)} users)`, value: `${fmt(compiledBytes)} B`, target: 'report' },
    { measure: 'limit engine consents, per user with choices', value: `${fmt(limitBytes)} B`, target: 'report' },
    {
      measure: `server consent cache, heap per cached user (${fmt(server.cachedUsers)} cached)`,
      value: `${perUser.toFixed(1)} B`,
      target: `≤ 100 B: ${met(perUser <= 100)}`,
    },
    { measure: 'of which the compact tier (typed arrays)', value: `${(server.cacheBytes / Math.max(1, server.cachedUsers)).toFixed(1)} B`, target: 'report' },
    {
      measure: `server RSS at the end of ${fmt(server.users)} distinct users decided (at start: ${fmt(server.rssBeforeMb)} MB)`,
      value: `${fmt(server.rssEndMb)} MB (peak ${fmt(server.rssPeakMb)} MB; after forced GCs ${fmt(server.rssAfterMb)} MB)`,
      target: `≤ 300 MB: ${met(server.rssEndMb <= 300)}`,
    },
    {
      measure: 'decisions through DecisionsService.decideBatch (1,000 users a batch, every one a cache miss)',
      value: `${fmt(server.users / server.seconds)}/s`,
      target: 'report',
    },
  ];
}

interface Setup {
  /** ns per lookup of the reference workload, this run. */
  readonly referenceNs: number;
  readonly world: SyntheticWorld;
  readonly compileMs: number;
  readonly consentsMs: number;
  readonly choosers: number;
  readonly compiledConsents: number;
}

const met = (ok: boolean): string => (ok ? 'met' : '**not met**');

/**
 * A fixed reference workload (Map.get on a 40-key string map, median of 5), so that runs on
 * a machine whose speed varies (a shared VM) can be compared: ns per lookup.
 */
function referenceNs(): number {
  const keys = Array.from({ length: 40 }, (_, i) => `vendor-${i}`);
  const table = new Map(keys.map((k, i) => [k, i]));
  const probes = Array.from({ length: 8192 }, (_, i) => keys[(i * 7) % keys.length]);
  const once = (): number => {
    let sum = 0;
    const start = nowNs();
    for (let i = 0; i < 5_000_000; i++) sum += table.get(probes[i & 8191]) ?? 0;
    const ns = (nowNs() - start) / 5_000_000;
    return sum < 0 ? 0 : ns;
  };
  once();
  return median(Array.from({ length: 5 }, once));
}

function timed<T>(f: () => T): [T, number] {
  const start = nowNs();
  const value = f();
  return [value, (nowNs() - start) / 1e6];
}

function pkgVersion(name: string): string {
  const file = join(__dirname, '..', 'node_modules', name, 'package.json');
  const manifest = readFileSync(file, 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

function describeWorld({ world, choosers }: Setup): string {
  const { map, users } = world;
  return (
    `${map.subprocessors.length} subprocessors, ${map.purposes.length} purposes, ` +
    `${map.fields.length} fields, ${map.flows.length} flows; ${fmt(users.length)} users, ` +
    `${fmt(choosers)} of whom made 1–8 choices (seed ${DEFAULT_WORLD.seed})`
  );
}

function markdownTable<R extends Record<string, string>>(rows: readonly R[]): string {
  const headers = Object.keys(rows[0]) as (keyof R & string)[];
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((h) => r[h]).join(' | ')} |`),
  ].join('\n');
}

function markdownReport(rows: readonly Row[], memory: Memory, setup: Setup): string {
  const { server } = memory;
  return `## Decision engine

${markdownTable(rows)}

${markdownTable(memoryRows(memory))}

**Data.** ${describeWorld(setup)}.
\`compilePolicy\` took ${setup.compileMs.toFixed(1)} ms; \`compileConsents\` for the
${fmt(setup.compiledConsents)} users with choices or GPC, ${setup.consentsMs.toFixed(0)} ms in all.

**Requests.** A random user with one of 1,024 request shapes: 0–8 distinct fields (~90% sent by
the flow), 90% to a flow by vendor and purpose, 5% by vendor alone, 5% to no flow. Every engine's
rate is over this same stream, the median of ${RUNS} runs after a warm-up; ours is \`decide()\`
alone (the user's compiled consents are looked up beforehand, as the SDK's cache does). The
payload row decides 20-leaf JSON bodies instead.

**Rates.** Decisions per CPU-second (CPU time of the whole process, every thread) and per
wall-clock second. On this shared machine the CPU figure is the one to read: time spent waiting
for a core does not count. "ours ×" is our field-key rate over theirs, per CPU-second.

**Verdict and the limit engine.** \`allows()\` answers \`decide(...).allow\` without building a
decision (property-tested against \`decide\`); \`decide()\` itself takes the same pass first and
answers an allowed field-key request from it (the fields copied once), so the decision API and the
SDK's \`check\` get it too. The limit engine (\`bench/engines/string-id-limit.ts\`) is the verdict of the
field-key rules hand-written for this job alone: two hash lookups for the flow, a scan of the user's
few \`[flow, choice]\` integers, one hash lookup per field; no payloads, schedules or reasons. These
three rows are measured in interleaved rounds (allows, limit, decide; medians), so their
ratios hold on a loaded machine; "ours ×" there is the rate over the limit engine's. The limit
engine's verdicts must equal \`decide(...).allow\` on the agreement sample.

**Memory.** Compiled consents: heap and array buffers retained per user with choices, after full
GCs. Server (\`bench/support/server-memory.ts\`): one child process writes a real SQLite file with
the synthetic map and ${fmt(server.choosers)} users' consent rows (1–8 choices each; 5% with GPC;
written as projection rows, which is all the decision path reads); a fresh one runs the compiled
server (\`dist/src\`, as \`npm start\` does; \`nest build\` first when stale), with \`--expose-gc\`,
and decides once for each of ${fmt(server.users)} distinct users through
\`DecisionsService.decideBatch\`, 1,000 users a batch, every one a cache miss read from the file.
Heap per cached user is (heap used + array buffers) after − before, after full GCs, over the users
the cache holds. RSS is the process's at the end of the run without a forced GC (the target), its
peak (sampled every 10 batches) and after two forced GCs.

**Agreement.** Each other engine answered 10,000 further requests built to exercise every rule
(half to a flow the user made a choice for; a third of the fields excluded or undeclared): the
flow reason and every field's verdict and reason must equal ours.

- **casbin**: the consent table and the reason precedence are ${CASBIN_RULES.length + 1}
  priority-ordered policy lines; the map's facts are role links (flow → mode, flow/field →
  sent | excluded, flow/field@version → stale); one \`enforceExSync\` for the flow and one per
  field.
- **Cedar**: one policy per reason code (the policy id is the reason); flows and flow fields are
  entities, passed per request as its slice; one \`statefulIsAuthorized\` for the flow and one per
  field, against a pre-parsed policy set.
- For both, the same small glue resolves the flow (two hash lookups) and passes the user's stored
  choice in the request, as an application does for a policy engine.
- **SQLite**: an in-memory database with \`flows\`, \`flow_fields\`, \`consents\`, \`users\`; one
  prepared query per decision does everything, flow lookup included (async \`sqlite3\`, the driver
  the server uses).

**Machine.** ${machineNote()}. Reference workload (a Map.get on a 40-key
string map): ${setup.referenceNs.toFixed(1)} ns per lookup in this run. This is a shared 2-core VM:
its speed moves by up to 2× over a day (the reference workload has ranged from 6.6 to 14.6 ns),
so compare rows within one run, and runs by their reference figure.

**Reproduce.** \`npm run bench\` prints the tables (\`npm run bench -- engine\`: this benchmark
only); \`npm run bench -- --write-docs\` also rewrites this section; \`--quick\` is a smoke run.
`;
}

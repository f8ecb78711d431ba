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
import {
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
} from '../src/decisions/engine';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
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
  const fields = [...d.allowedFields.map((f) => `${f}:ok`), ...d.blocked.map((b) => `${b.field}:${b.reason}`)];
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
function combine(flowKey: string, flowReason: ReasonCode | null, fields: readonly string[], reasons: readonly (ReasonCode | null)[]): Verdict {
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
  `(p.rule == "undeclared" && r.field != "" && !g2(r.flow + "/" + r.field, "sent") && !g2(r.flow + "/" + r.field, "excluded"))`,
  `(p.rule == "excluded" && r.field != "" && g2(r.flow + "/" + r.field, "excluded"))`,
  `(p.rule == "opted-out" && !g(r.flow, "required") && (r.sub.state == "denied" || (g(r.flow, "opt-out") && r.sub.state == "none" && r.sub.gpc)))`,
  `(p.rule == "not-opted-in" && g(r.flow, "opt-in") && r.sub.state == "none")`,
  `(p.rule == "stale-consent" && r.field != "" && g(r.flow, "opt-in") && r.sub.state == "granted" && g3(r.flow + "/" + r.field + "@" + r.sub.version, "stale"))`,
  `p.rule == "allow"`,
].join(' || ')}
`;

/**
 * Policy lines: the rule table in precedence order, then facts as role links —
 * g: flow → mode; g2: flow/field → sent | excluded; g3: flow/field@v → stale, for every
 * grant version v below the field's \`since\` (opt-in flows only).
 */
function casbinPolicy(world: SyntheticWorld): string {
  const lines = ['no-flow', 'undeclared', 'excluded', 'opted-out', 'not-opted-in', 'stale-consent'].map((r) => `p, ${r}, deny`);
  lines.push('p, allow, allow');
  for (const f of world.map.flows) {
    lines.push(`g, ${f.key}, ${f.mode}`);
    for (const { key, since } of f.fields) {
      lines.push(`g2, ${f.key}/${key}, sent`);
      if (f.mode === 'opt-in') for (let v = 0; v < since; v++) lines.push(`g3, ${f.key}/${key}@${v}, stale`);
    }
    for (const key of f.excludedFields) lines.push(`g2, ${f.key}/${key}, excluded`);
  }
  return lines.join('\n');
}

async function casbinEngine(world: SyntheticWorld, glue: Glue): Promise<{ decideOne: DecideOne; lines: number }> {
  const policy = casbinPolicy(world);
  const enforcer: Enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(policy));
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
  return { decideOne, lines: policy.split('\n').length };
}

/* ---------------------------------------------------------------------------------------- */
/* Cedar: entities for flows and flow fields; one policy per reason code (ids = reasons).    */
/* ---------------------------------------------------------------------------------------- */

const SENT_FIELD = `(!(resource is FlowField) || (resource has kind && resource.kind == "sent"))`;
const CEDAR_POLICIES: Record<string, string> = {
  allow: `permit (principal, action == Action::"send", resource);`,
  'no-flow': `forbid (principal, action, resource) unless { context.flow has mode };`,
  undeclared: `forbid (principal, action, resource is FlowField) when { context.flow has mode && !(resource has kind) };`,
  excluded: `forbid (principal, action, resource is FlowField) when { resource has kind && resource.kind == "excluded" };`,
  'opted-out': `forbid (principal, action, resource) when { context.flow has mode && context.flow.mode != "required" &&
    (context.state == "denied" || (context.flow.mode == "opt-out" && context.state == "none" && context.gpc)) && ${SENT_FIELD} };`,
  'not-opted-in': `forbid (principal, action, resource) when { context.flow has mode && context.flow.mode == "opt-in" &&
    context.state == "none" && ${SENT_FIELD} };`,
  'stale-consent': `forbid (principal, action, resource is FlowField) when { resource has kind && resource.kind == "sent" &&
    context.flow.mode == "opt-in" && context.state == "granted" && resource.since > context.version };`,
};

function cedarEngine(world: SyntheticWorld, glue: Glue): { decideOne: DecideOne; lines: number } {
  const parsed = cedar.preparsePolicySet('flowgate', { staticPolicies: CEDAR_POLICIES });
  if (parsed.type !== 'success') throw new Error(`cedar policies: ${JSON.stringify(parsed.errors)}`);

  const uid = (type: string, id: string) => ({ type, id });
  const flows = new Map<string, cedar.EntityJson>();
  const flowFields = new Map<string, cedar.EntityJson>();
  for (const f of world.map.flows) {
    flows.set(f.key, { uid: uid('Flow', f.key), attrs: { mode: f.mode }, parents: [] });
    const field = (key: string, attrs: Record<string, cedar.CedarValueJson>) =>
      flowFields.set(`${f.key}/${key}`, { uid: uid('FlowField', `${f.key}/${key}`), attrs, parents: [uid('Flow', f.key)] });
    for (const { key, since } of f.fields) field(key, { kind: 'sent', since });
    for (const key of f.excludedFields) field(key, { kind: 'excluded' });
  }

  const ask = (resource: { type: string; id: string }, entities: cedar.EntityJson[], context: cedar.Context): ReasonCode | null => {
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
    if (diagnostics.errors.length > 0) throw new Error(`cedar: ${JSON.stringify(diagnostics.errors)}`);
    return decision === 'allow' ? null : ((diagnostics.reason[0] ?? 'undeclared') as ReasonCode);
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
      const entity = flowFields.get(`${flow}/${field}`);
      return ask(uid('FlowField', `${flow}/${field}`), entity === undefined ? base : [...base, entity], context);
    });
    return combine(flow, flowReason, fields, reasons);
  };
  return { decideOne, lines: Object.keys(CEDAR_POLICIES).length };
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
FROM asked LEFT JOIN state s LEFT JOIN flow_fields ff ON ff.flow_id = s.id AND ff.field = asked.field
ORDER BY asked.idx NULLS FIRST
`;

interface SqlRow {
  field: string | null;
  flow_key: string | null;
  reason: ReasonCode | null;
}

async function sqliteEngine(world: SyntheticWorld): Promise<{ decideOne: DecideOne; close: () => Promise<void> }> {
  const db = new sqlite3.Database(':memory:');
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<void>((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve, reject) => db.exec(SQL_SCHEMA, (error) => (error ? reject(error) : resolve())));
  await run('BEGIN');
  const flowId = new Map(world.map.flows.map((f, i) => [f.key, i + 1]));
  for (const [i, f] of world.map.flows.entries()) {
    await run('INSERT INTO flows VALUES (?, ?, ?, ?, ?)', [i + 1, f.key, f.subprocessor, f.purpose, f.mode]);
    for (const { key, since } of f.fields) await run('INSERT INTO flow_fields VALUES (?, ?, ?, 0)', [i + 1, key, since]);
    for (const key of f.excludedFields) await run('INSERT INTO flow_fields VALUES (?, ?, NULL, 1)', [i + 1, key]);
  }
  for (const [user, u] of world.users.entries()) {
    if (u.gpc) await run('INSERT INTO users VALUES (?, 1)', [user]);
    for (const [key, choice] of u.choices) {
      await run('INSERT INTO consents VALUES (?, ?, ?, ?)', [user, flowId.get(key), choice.granted ? 1 : 0, choice.version]);
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
  const close = () => new Promise<void>((resolve) => statement.finalize(() => db.close(() => resolve())));
  return { decideOne, close };
}

/* ---------------------------------------------------------------------------------------- */
/* Measuring.                                                                                */
/* ---------------------------------------------------------------------------------------- */

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nowNs = (): number => Number(process.hrtime.bigint());

/**
 * Our engine: a tight loop over precomputed cases, decisions per second, median of runs.
 * Each case's consents are looked up beforehand: finding a user's consents is the
 * caller's job (the SDK's cache), not decide()'s.
 */
function measureOurs(policy: Policy, consents: readonly Consents[], cases: readonly SyntheticCase[], perRun: number, runs: number): number {
  const consentsOf = cases.map((c) => consents[c.user]);
  const requests = cases.map((c) => c.request);
  const n = cases.length;
  const once = (count: number): number => {
    let allowed = 0;
    const start = nowNs();
    for (let i = 0; i < count; i++) {
      const k = i % n;
      if (decide(policy, consentsOf[k], requests[k]).allow) allowed++;
    }
    const elapsed = nowNs() - start;
    if (allowed < 0) console.log(allowed); // keep the result observable
    return (count / elapsed) * 1e9;
  };
  once(perRun); // warm-up: let the optimizing compiler settle
  return median(Array.from({ length: runs }, () => once(perRun)));
}

/** Another engine: each run decides cases in turn until `budgetMs` has passed. */
async function measureTheirs(decideOne: DecideOne, cases: readonly SyntheticCase[], budgetMs: number, runs: number): Promise<number> {
  let next = 0;
  const once = async (): Promise<number> => {
    let count = 0;
    const start = nowNs();
    const deadline = start + budgetMs * 1e6;
    while (nowNs() < deadline) {
      await decideOne(cases[next++ % cases.length]);
      count++;
    }
    return (count / (nowNs() - start)) * 1e9;
  };
  await once();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) rates.push(await once());
  return median(rates);
}

/** Disagreements with our engine over the sample, printed (the first few in full). */
async function disagreements(name: string, decideOne: DecideOne, ours: (c: SyntheticCase) => Verdict, sample: readonly SyntheticCase[]): Promise<number> {
  let count = 0;
  for (const c of sample) {
    const theirs = await decideOne(c);
    const expected = ours(c);
    if (sameVerdict(theirs, expected)) continue;
    if (++count <= 5) {
      console.error(`${name} disagrees on ${JSON.stringify(c)}:\n  ours:   ${JSON.stringify(expected)}\n  theirs: ${JSON.stringify(theirs)}`);
    }
  }
  return count;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export async function run(options: BenchOptions): Promise<BenchReport> {
  const runs = options.quick ? 2 : RUNS;
  const world = syntheticWorld(options.quick ? { users: 10_000 } : {});
  const timed = <T>(f: () => T): [T, number] => {
    const start = nowNs();
    const value = f();
    return [value, (nowNs() - start) / 1e6];
  };
  const [policy, compileMs] = timed(() => compilePolicy(world.map));
  const [consents, consentsMs] = timed(() =>
    world.users.map((u) => (u.choices.length === 0 && !u.gpc ? EMPTY_CONSENTS : compileConsents(policy, u.choices, { gpc: u.gpc }))),
  );
  const choosers = world.users.filter((u) => u.choices.length > 0).length;

  const keyCases = syntheticRequests(world, 8192, 1);
  const payloadCases = syntheticPayloadRequests(world, 2048, 2);
  const sample = syntheticSample(world, options.quick ? 1000 : SAMPLE, 3);
  const ours = (c: SyntheticCase) => verdictOf(decide(policy, consents[c.user], c.request));

  console.log(`\nDecision engine: ${world.map.flows.length} flows, ${world.map.fields.length} fields, ${world.users.length.toLocaleString('en-US')} users (${choosers.toLocaleString('en-US')} with choices)`);
  const keysRate = measureOurs(policy, consents, keyCases, options.quick ? 200_000 : 2_000_000, runs);
  const payloadRate = measureOurs(policy, consents, payloadCases, options.quick ? 5_000 : 50_000, runs);

  const glue = glueFor(world);
  const budget = options.quick ? 100 : 600;
  const casbin = await casbinEngine(world, glue);
  const cedarE = cedarEngine(world, glue);
  const sql = await sqliteEngine(world);
  const others: { name: string; target: number; decideOne: DecideOne; rules: string }[] = [
    { name: `casbin ${pkgVersion('casbin')}`, target: 25, decideOne: casbin.decideOne, rules: `${fmt(casbin.lines)} policy lines` },
    { name: `cedar-wasm ${pkgVersion('@cedar-policy/cedar-wasm')}`, target: 0, decideOne: cedarE.decideOne, rules: `${cedarE.lines} policies` },
    { name: `SQLite query (sqlite3 ${pkgVersion('sqlite3')})`, target: 60, decideOne: sql.decideOne, rules: '1 query, 4 tables' },
  ];

  const rows = [
    { engine: 'flowgate decide() — field keys', 'decisions/s': fmt(keysRate), 'ours ×': '1', target: '≥ 4,000,000/s', disagreements: '—' },
    { engine: 'flowgate decide() — 20-key JSON payload', 'decisions/s': fmt(payloadRate), 'ours ×': '—', target: 'report', disagreements: '—' },
  ];
  let failures = 0;
  for (const other of others) {
    const wrong = await disagreements(other.name, other.decideOne, ours, sample);
    const rate = await measureTheirs(other.decideOne, sample, budget, runs);
    failures += wrong;
    rows.push({
      engine: `${other.name} (${other.rules})`,
      'decisions/s': fmt(rate),
      'ours ×': (keysRate / rate).toFixed(0),
      target: other.target > 0 ? `ours ≥ ${other.target}×` : 'report',
      disagreements: `${wrong} / ${fmt(sample.length)}`,
    });
  }
  await sql.close();
  console.table(rows);
  console.table([
    { step: 'compilePolicy', ms: compileMs.toFixed(1) },
    { step: `compileConsents (${consents.filter((c) => c !== EMPTY_CONSENTS).length.toLocaleString('en-US')} users)`, ms: consentsMs.toFixed(1) },
  ]);

  return { name: 'engine', markdown: markdownReport(rows, compileMs, consentsMs, world, choosers), failures };
}

function pkgVersion(name: string): string {
  const manifest = readFileSync(join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

function markdownReport(rows: readonly Record<string, string>[], compileMs: number, consentsMs: number, world: SyntheticWorld, choosers: number): string {
  const headers = Object.keys(rows[0]);
  const table = [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((h) => (h === 'engine' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((h) => r[h]).join(' | ')} |`),
  ].join('\n');
  const w = DEFAULT_WORLD;
  return `## Decision engine

${table}

Setup: compilePolicy ${compileMs.toFixed(1)} ms; compileConsents for every user with choices or GPC ${consentsMs.toFixed(0)} ms.
Synthetic map (seed ${w.seed}): ${world.map.subprocessors.length} subprocessors, ${world.map.purposes.length} purposes, ${world.map.fields.length} fields,
${world.map.flows.length} flows; ${world.users.length.toLocaleString('en-US')} users, ${choosers.toLocaleString('en-US')} of whom made 1–8 choices.
Requests: a random user and one of 1,024 request shapes (0–8 fields; 90% to a flow by vendor and purpose, 5% by vendor
alone, 5% to no flow). Rates are the median of ${RUNS} runs after a warm-up; "ours ×" is our field-key rate over theirs.
Every other engine answered the same 10,000 sampled requests as ours: each field's verdict and reason, the flow reason.

- **casbin**: the consent table and reason precedence are ${7} priority-ordered policy lines; the map's facts are role
  links (flow → mode, flow/field → sent | excluded, flow/field@version → stale); one \`enforceExSync\` per field
  plus one for the flow.
- **Cedar**: one policy per reason code (the policy id is the reason), flows and flow fields as entities; one
  \`statefulIsAuthorized\` per field plus one for the flow, with the request's entity slice.
- For both, a little glue resolves the flow (two hash lookups) and hands over the user's stored choice.
- **SQLite**: in-memory database with \`flows\`, \`flow_fields\`, \`consents\`, \`users\`; one prepared query per
  decision does everything, flow lookup included (async, as the app's \`sqlite3\` driver is).

Machine: ${machineNote()}. Numbers on a shared 2-core VM move by ±20% between runs.

Reproduce: \`npm run bench\` (prints the tables); \`npm run bench -- --write-docs\` also rewrites this section;
\`npm run bench -- --quick\` is a fast smoke run.`;
}

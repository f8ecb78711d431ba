import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { aField, aFlow, aManifest, aSubprocessor } from '../../test/factories/manifest.factory';
import { validManifest } from '../../test/factories/manifest.arbitrary';
import type { StoredMap } from '../data-map/data-map.store';
import {
  flowKeyOf,
  regionOf,
  type ConsentMode,
  type Region,
  type Sensitivity,
} from '@flowgate/core';
import { normalizeManifest } from '../data-map/manifest/manifest.diff';
import { sentFields, type Manifest } from '../data-map/manifest/manifest.types';
import { parseManifestText, validateManifest } from '../data-map/manifest/manifest.validation';
import { projectGraph, type FlowJudge } from './graph.projection';
import type { GraphQuery, SubprocessorNode } from '@flowgate/core';

/** A stored map as the store would load it right after importing `manifest` once. */
function storedMapOf(manifest: Manifest, version = 1): StoredMap {
  const m = normalizeManifest(manifest);
  const at = new Date('2026-01-02T03:04:05.000Z');
  const ids = <T extends { key: string }>(items: T[]) =>
    new Map(items.map((e, i) => [e.key, i + 1]));
  return {
    version,
    updatedAt: at,
    manifest: m,
    ids: { fields: ids(m.fields), purposes: ids(m.purposes), subprocessors: ids(m.subprocessors) },
    flows: new Map(
      m.flows.map((f, i) => {
        const key = flowKeyOf(f.subprocessor, f.purpose);
        return [
          key,
          {
            id: i + 1,
            key,
            version: 1,
            updatedAt: at,
            since: new Map(sentFields(f).map((k) => [k, 1])),
          },
        ];
      }),
    ),
  };
}

function caplena(): StoredMap {
  const { document } = parseManifestText(readFileSync('examples/caplena.yaml', 'utf8'));
  const { manifest } = validateManifest(document);
  return storedMapOf(manifest!);
}

const q = (query: Partial<GraphQuery> = {}): GraphQuery => ({
  excluded: false,
  purposes: false,
  ...query,
});
const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();

describe(projectGraph.name, () => {
  const map = caplena();
  const { manifest } = map;

  it('draws every field, every subprocessor inside its region and one edge per (flow, field) sent', () => {
    const g = projectGraph(map, q());
    const sent = manifest.flows.reduce((n, f) => n + sentFields(f).length, 0);
    expect(g.edges).toHaveLength(sent);
    expect(g.nodes.filter((n) => n.kind === 'field')).toHaveLength(manifest.fields.length);
    expect(g.nodes.filter((n) => n.kind === 'subprocessor')).toHaveLength(
      manifest.subprocessors.length,
    );
    expect(ids(g.nodes.filter((n) => n.kind === 'region'))).toEqual([
      'region:eea',
      'region:not-stated',
      'region:third-country',
    ]);
    expect(g.totals).toEqual({
      fields: manifest.fields.length,
      subprocessors: manifest.subprocessors.length,
      purposes: manifest.purposes.length,
      flows: manifest.flows.length,
      sentEdges: sent,
    });
    const stripe = g.nodes.find((n) => n.id === 'subprocessor:stripe') as SubprocessorNode;
    expect(stripe).toMatchObject({
      parent: 'region:not-stated',
      region: 'third-country',
      bucket: 'not-stated',
      label: 'Stripe (location not stated)',
    });
    const datadog = g.nodes.find((n) => n.id === 'subprocessor:datadog') as SubprocessorNode;
    expect(datadog).toMatchObject({
      parent: 'region:eea',
      label: 'Datadog (EU)',
      locations: ['EU'],
    });
    // Onward transfers and parent groups travel with the subprocessor nodes (drawn by the client).
    expect(g.nodes.find((n) => n.id === 'subprocessor:segment')).toMatchObject({ transfers: ['customer-io'] });
    expect(g.nodes.find((n) => n.id === 'subprocessor:google-cloud')).toMatchObject({ parentEntity: 'Google' });
    expect(g.nodes.filter((n) => n.kind === 'subprocessor' && n.transfers).map((n) => n.id)).toEqual(['subprocessor:segment']);
    expect(g.nodes.every((n) => !('match' in n) || n.match === false)).toBe(true);
  });

  it('answers "where does user.contact.email go?" with exactly the flows that send it', () => {
    const g = projectGraph(map, q({ field: 'user.contact.email' }));
    const senders = manifest.flows.filter((f) => sentFields(f).includes('user.contact.email'));
    expect(g.edges.map((e) => e.flow).sort()).toEqual(
      senders.map((f) => flowKeyOf(f.subprocessor, f.purpose)).sort(),
    );
    expect(g.edges.every((e) => e.source === 'field:user.contact.email' && e.kind === 'sent')).toBe(
      true,
    );
    expect(ids(g.nodes.filter((n) => n.kind === 'subprocessor'))).toEqual(
      [...new Set(senders.map((f) => `subprocessor:${f.subprocessor}`))].sort(),
    );
    expect(g.nodes.filter((n) => n.kind === 'field')).toEqual([
      expect.objectContaining({ id: 'field:user.contact.email', match: true }),
    ]);
  });

  it('shows what a flow explicitly does not send only on request', () => {
    const without = projectGraph(map, q({ field: 'user.contact.email' }));
    const withExcluded = projectGraph(map, q({ field: 'user.contact.email', excluded: true }));
    const excluders = manifest.flows.filter((f) =>
      f.excludedFields?.includes('user.contact.email'),
    );
    expect(excluders.length).toBeGreaterThan(0);
    const excluded = withExcluded.edges.filter((e) => e.kind === 'excluded');
    expect(excluded.map((e) => e.flow).sort()).toEqual(
      excluders.map((f) => flowKeyOf(f.subprocessor, f.purpose)).sort(),
    );
    expect(withExcluded.edges.filter((e) => e.kind === 'sent')).toEqual(without.edges);
  });

  it('answers "what does Stripe get?" with the fields of both Stripe flows', () => {
    const g = projectGraph(map, q({ subprocessor: 'stripe' }));
    const fields = manifest.flows
      .filter((f) => f.subprocessor === 'stripe')
      .flatMap((f) => f.fields);
    expect(g.edges.map((e) => e.field).sort()).toEqual([...fields].sort());
    expect(Object.keys(g.flows).sort()).toEqual(['stripe.fraud-prevention', 'stripe.payments']);
    expect(g.flows['stripe.payments']).toMatchObject({
      purposeName: 'Payments',
      legalBasis: 'not-stated',
      mode: 'required',
      region: 'third-country',
      version: 1,
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(ids(g.nodes.filter((n) => n.kind !== 'field'))).toEqual([
      'region:not-stated',
      'subprocessor:stripe',
    ]);
  });

  it('answers "everything leaving the EU" with the third-country subprocessors only', () => {
    const g = projectGraph(map, q({ region: 'third-country' }));
    const outside = new Set(
      manifest.subprocessors
        .filter((s) => regionOf(s.locations) === 'third-country')
        .map((s) => s.key),
    );
    expect(g.edges.length).toBeGreaterThan(0);
    expect(g.edges.every((e) => outside.has(e.target.slice('subprocessor:'.length)))).toBe(true);
    expect(g.nodes.some((n) => n.kind === 'region' && n.region === 'eea')).toBe(false);
    // Both answers, apart: Intercom names the US; the others name no place at all.
    const bucket = (b: string) =>
      g.nodes
        .filter((n): n is SubprocessorNode => n.kind === 'subprocessor' && n.bucket === b)
        .map((n) => n.key)
        .sort();
    expect(bucket('third-country')).toEqual(['intercom']);
    expect(bucket('not-stated')).toEqual(
      manifest.subprocessors
        .filter((s) => s.locations === 'not-stated' || s.locations.length === 0)
        .map((s) => s.key)
        .sort(),
    );
    expect(ids(g.nodes.filter((n) => n.kind === 'region'))).toEqual([
      'region:not-stated',
      'region:third-country',
    ]);
    expect(g.edges).toHaveLength(
      manifest.flows
        .filter((f) => outside.has(f.subprocessor))
        .reduce((n, f) => n + sentFields(f).length, 0),
    );
  });

  it('answers "all opt-in flows"', () => {
    const g = projectGraph(map, q({ mode: 'opt-in' }));
    const optIn = manifest.flows.filter((f) => f.mode === 'opt-in');
    expect(Object.keys(g.flows).sort()).toEqual(
      optIn.map((f) => flowKeyOf(f.subprocessor, f.purpose)).sort(),
    );
    expect(g.edges.every((e) => e.mode === 'opt-in')).toBe(true);
  });

  it('searches text in fields, subprocessors and purposes, case-insensitively', () => {
    const g = projectGraph(map, q({ q: 'LOGROCKET' }));
    expect(Object.keys(g.flows)).toEqual(['logrocket.session-replay']);
    expect(g.nodes.find((n) => n.id === 'subprocessor:logrocket')).toMatchObject({ match: true });
    const byField = projectGraph(map, q({ q: 'card' }));
    expect(byField.edges.map((e) => e.id)).toEqual(['sent:stripe.payments:user.payment.card']);
  });

  it('keeps a field that goes nowhere visible when it is asked for', () => {
    const lonely = aManifest({
      fields: [
        ...aManifest().fields,
        aField({ key: 'user.birthday', name: 'Birthday', paths: ['birthday'] }),
      ],
    });
    const g = projectGraph(storedMapOf(lonely), q({ field: 'user.birthday' }));
    expect(g.edges).toEqual([]);
    expect(ids(g.nodes)).toEqual(['field:user.birthday']);
  });

  it('draws purposes beside their subprocessors on request', () => {
    const g = projectGraph(map, q({ subprocessor: 'intercom', purposes: true }));
    expect(
      g.edges
        .filter((e) => e.kind === 'purpose')
        .map((e) => e.target)
        .sort(),
    ).toEqual(['purpose:support', 'purpose:support-context']);
    expect(g.nodes.filter((n) => n.kind === 'purpose')).toHaveLength(2);
  });

  it('marks each sent edge allowed or blocked with the judge verdict, and excluded edges blocked', () => {
    const judge: FlowJudge = (flow) => ({
      flow:
        flow.mode === 'opt-in'
          ? { allowed: false, reason: 'not-opted-in' }
          : { allowed: true, reason: null },
      fields: new Map(
        sentFields(flow).map((f) => [
          f,
          flow.mode === 'opt-in'
            ? { allowed: false, reason: 'not-opted-in' }
            : { allowed: true, reason: null },
        ]),
      ),
    });
    const g = projectGraph(map, q({ excluded: true }), {
      judge,
      user: { id: 'ada', policyVersion: 1, gpc: false },
    });
    expect(g.user).toEqual({ id: 'ada', policyVersion: 1, gpc: false });
    for (const e of g.edges) {
      if (e.kind === 'excluded') expect(e.user).toEqual({ allowed: false, reason: 'excluded' });
      else expect(e.user?.allowed).toBe(e.mode !== 'opt-in');
    }
    expect(g.flows['deepl.translation'].user).toEqual({ allowed: false, reason: 'not-opted-in' });
  });

  it('puts a subprocessor without stated locations in its own bucket, still outside the EU/EEA', () => {
    const m = aManifest({
      subprocessors: [
        aSubprocessor(),
        aSubprocessor({ key: 'vendor-b', name: 'Vendor B', locations: [] }),
      ],
    });
    const g = projectGraph(storedMapOf(m), q());
    expect(g.nodes.find((n) => n.id === 'subprocessor:vendor-b')).toMatchObject({
      parent: 'region:not-stated',
      region: 'third-country',
    });
    expect(g.nodes.find((n) => n.id === 'subprocessor:vendor-a')).toMatchObject({
      parent: 'region:eea',
    });
  });

  it('counts the flow version at which a field was added on its edge', () => {
    const stored = storedMapOf(
      aManifest({ flows: [aFlow({ fields: ['user.contact.email', 'user.name'] })] }),
    );
    const flow = stored.flows.get('vendor-a.email-delivery')!;
    stored.flows.set('vendor-a.email-delivery', {
      ...flow,
      version: 3,
      since: new Map([
        ['user.contact.email', 1],
        ['user.name', 3],
      ]),
    });
    const g = projectGraph(stored, q());
    expect(g.edges.map((e) => [e.field, e.since])).toEqual([
      ['user.contact.email', 1],
      ['user.name', 3],
    ]);
    expect(g.flows['vendor-a.email-delivery'].version).toBe(3);
  });
});

/**
 * The oracle: which (flow, field) pairs a query keeps, by the plain reading of each filter,
 * one nested loop, no shortcuts.
 */
function oracleSentEdges(m: Manifest, query: GraphQuery): string[] {
  const out: string[] = [];
  const has = (text: string) =>
    query.q === undefined || text.toLowerCase().includes(query.q.toLowerCase());
  for (const flow of m.flows) {
    const sub = m.subprocessors.find((s) => s.key === flow.subprocessor)!;
    const purpose = m.purposes.find((p) => p.key === flow.purpose)!;
    for (const key of sentFields(flow)) {
      const field = m.fields.find((f) => f.key === key)!;
      const keep =
        (query.field === undefined || query.field === key) &&
        (query.subprocessor === undefined || query.subprocessor === sub.key) &&
        (query.purpose === undefined || query.purpose === purpose.key) &&
        (query.mode === undefined || query.mode === flow.mode) &&
        (query.region === undefined || query.region === regionOf(sub.locations)) &&
        (query.sensitivity === undefined || query.sensitivity === field.sensitivity) &&
        (has(field.key) ||
          has(field.name) ||
          has(sub.key) ||
          has(sub.name) ||
          has(purpose.key) ||
          has(purpose.name));
      if (keep) out.push(`sent:${flow.subprocessor}.${flow.purpose}:${key}`);
    }
  }
  return out.sort();
}

const queryFor = (m: Manifest): fc.Arbitrary<GraphQuery> => {
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
  const words = [...m.fields, ...m.subprocessors, ...m.purposes].flatMap((e) => [e.key, e.name]);
  return fc
    .record({
      field: maybe(fc.constantFrom(...m.fields.map((f) => f.key))),
      subprocessor: maybe(fc.constantFrom(...m.subprocessors.map((s) => s.key))),
      purpose: maybe(fc.constantFrom(...m.purposes.map((p) => p.key))),
      mode: maybe(fc.constantFrom<ConsentMode>('required', 'opt-out', 'opt-in')),
      region: maybe(fc.constantFrom<Region>('eea', 'third-country')),
      sensitivity: maybe(
        fc.constantFrom<Sensitivity>('personal', 'special', 'pseudonymous', 'none'),
      ),
      q: maybe(
        fc
          .tuple(fc.constantFrom(...words), fc.nat(), fc.nat())
          .map(([w, a, b]) => w.slice(a % w.length, (a % w.length) + 1 + (b % 4))),
      ),
      excluded: fc.boolean(),
      purposes: fc.boolean(),
    })
    .map(
      (r) =>
        Object.fromEntries(
          Object.entries(r).filter(([, v]) => v !== undefined && v !== ''),
        ) as unknown as GraphQuery,
    );
};

describe(`${projectGraph.name} (property)`, () => {
  it('keeps exactly the sent edges the oracle keeps, and every edge has both ends drawn', () => {
    fc.assert(
      fc.property(
        validManifest.chain((m) => fc.tuple(fc.constant(normalizeManifest(m)), queryFor(m))),
        ([m, query]) => {
          const g = projectGraph(storedMapOf(m), query);
          expect(
            g.edges
              .filter((e) => e.kind === 'sent')
              .map((e) => e.id)
              .sort(),
          ).toEqual(oracleSentEdges(m, query));
          const nodeIds = new Set(g.nodes.map((n) => n.id));
          expect(nodeIds.size).toBe(g.nodes.length);
          for (const e of g.edges) {
            expect(nodeIds.has(e.source) && nodeIds.has(e.target)).toBe(true);
            expect(g.flows[e.flow]).toBeDefined();
          }
          for (const n of g.nodes)
            if (n.kind === 'subprocessor') {
              expect(nodeIds.has(n.parent)).toBe(true);
              // The bucket says exactly what the locations say.
              expect(n.bucket).toBe(n.locations.length === 0 ? 'not-stated' : regionOf(n.locations));
              expect(n.parent).toBe(`region:${n.bucket}`);
            }
          const regions = g.nodes.filter((n) => n.kind === 'region');
          for (const r of regions)
            expect(g.nodes.some((n) => n.kind === 'subprocessor' && n.parent === r.id)).toBe(true);
          if (!query.excluded) expect(g.edges.some((e) => e.kind === 'excluded')).toBe(false);
          if (!query.purposes) expect(g.nodes.some((n) => n.kind === 'purpose')).toBe(false);
          // Without edges: exactly the same nodes, nothing else.
          const bare = projectGraph(storedMapOf(m), { ...query, edges: false });
          expect(bare.nodes).toEqual(g.nodes);
          expect(bare.edges).toEqual([]);
          expect(bare.flows).toEqual({});
          expect(bare.totals).toEqual(g.totals);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('draws the whole map when nothing is filtered', () => {
    fc.assert(
      fc.property(validManifest, (raw) => {
        const m = normalizeManifest(raw);
        const g = projectGraph(storedMapOf(m), { excluded: false, purposes: false });
        expect(g.nodes.filter((n) => n.kind === 'field')).toHaveLength(m.fields.length);
        expect(g.nodes.filter((n) => n.kind === 'subprocessor')).toHaveLength(
          m.subprocessors.length,
        );
        expect(g.edges).toHaveLength(m.flows.reduce((n, f) => n + sentFields(f).length, 0));
        expect(Object.keys(g.flows)).toHaveLength(m.flows.length);
      }),
      { numRuns: 200 },
    );
  });
});

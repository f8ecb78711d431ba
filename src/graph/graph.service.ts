import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../auth/clock';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { ConsentsCache } from '../consent/consent-cache.service';
import { DataMapService } from '../data-map/data-map.service';
import type { StoredMap } from '../data-map/data-map.store';
import { decide, unavailableDecision, type Decision } from '@flowgate/core';
import { PolicyService } from '../policy/policy.service';
import type { GraphQueryDto } from './dto/graph-query.dto';
import { projectGraph, type FlowJudge, type FlowVerdict } from './graph.projection';
import { type EdgeUserState, type GraphCatalog, type GraphQuery, type GraphResponse, regionOf } from '@flowgate/core';
import { listedLocations, organizationOf, sentFields } from '../data-map/manifest/manifest.types';

/**
 * Serves the graph projection of the current data map; for the per-user view, asks the
 * decision engine about every flow with the user's current consents (never re-deriving
 * a rule here).
 */
@Injectable()
export class GraphService {
  constructor(
    private readonly dataMap: DataMapService,
    private readonly policies: PolicyService,
    private readonly consents: ConsentsCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async graph(dto: GraphQueryDto): Promise<GraphResponse> {
    const query = normalizeQuery(dto);
    const { map, judge, user } = query.user
      ? await this.forUser(query.user)
      : { map: await this.dataMap.current() };
    const problems: Problem[] = [];
    const unknown = (path: keyof GraphQuery, kind: string, keys: ReadonlyMap<string, number>) => {
      const key = query[path];
      if (typeof key === 'string' && !keys.has(key)) {
        problems.push({ path, message: `no ${kind} "${key}" in the data map` });
      }
    };
    unknown('field', 'field', map.ids.fields);
    unknown('subprocessor', 'subprocessor', map.ids.subprocessors);
    unknown('purpose', 'purpose', map.ids.purposes);
    if (problems.length > 0) throw new ValidationFailedError(problems, 'graph query');
    return projectGraph(map, query, { judge, user });
  }

  /** The keys and names the filters offer (small, whatever the size of the graph). */
  async catalog(): Promise<GraphCatalog> {
    const map = await this.dataMap.current();
    const m = map.manifest;
    return {
      mapVersion: map.version,
      ...(m.organization ? { organization: organizationOf(m)!.name } : {}),
      updatedAt: map.updatedAt ? map.updatedAt.toISOString() : null,
      fields: m.fields.map((f) => ({ key: f.key, name: f.name, sensitivity: f.sensitivity })),
      subprocessors: m.subprocessors.map((s) => ({
        key: s.key,
        name: s.name,
        region: regionOf(s.locations),
        locations: listedLocations(s),
      })),
      purposes: m.purposes.map((p) => ({ key: p.key, name: p.name })),
      totals: {
        fields: m.fields.length,
        subprocessors: m.subprocessors.length,
        purposes: m.purposes.length,
        flows: m.flows.length,
        sentEdges: m.flows.reduce((n, f) => n + sentFields(f).length, 0),
      },
    };
  }

  /** "My data flows": the whole map as it applies to this user now. */
  async forMe(userId: string): Promise<GraphResponse> {
    const { map, judge, user } = await this.forUser(userId);
    return projectGraph(map, { excluded: false, purposes: false, user: userId }, { judge, user });
  }

  private async forUser(
    userId: string,
  ): Promise<{ map: StoredMap; judge: FlowJudge; user: NonNullable<GraphResponse['user']> }> {
    // The map and the compiled policy must be the same version.
    let snapshot = await this.policies.refresh();
    let map = await this.dataMap.current();
    if (map.version !== snapshot.version) {
      snapshot = await this.policies.refresh();
      map = await this.dataMap.current();
    }
    const state = await this.consents.state(userId);
    const policy = snapshot.policy;
    const user = { id: userId, policyVersion: snapshot.version, gpc: state.gpc };
    if (policy === null) {
      return {
        map,
        user,
        judge: (flow) =>
          verdictOf(
            unavailableDecision({
              subprocessor: flow.subprocessor,
              purpose: flow.purpose,
              fields: sentFields(flow),
            }),
            sentFields(flow),
          ),
      };
    }
    const consents = await this.consents.consentsFor(userId, policy);
    const at = this.clock.now().getTime();
    const judge: FlowJudge = (flow) =>
      verdictOf(
        decide(policy, consents, {
          subprocessor: flow.subprocessor,
          purpose: flow.purpose,
          fields: sentFields(flow),
          at,
        }),
        sentFields(flow),
      );
    return { map, judge, user };
  }
}

const ALLOWED: EdgeUserState = Object.freeze({ allowed: true, reason: null });

/** The engine's decision for a flow's own fields, as one verdict per field and one for the flow. */
export function verdictOf(decision: Decision, fields: readonly string[]): FlowVerdict {
  const blocked = new Map(decision.blocked.map((b) => [b.field, b.reason]));
  return {
    flow: decision.reason === null ? ALLOWED : { allowed: false, reason: decision.reason },
    fields: new Map(
      fields.map((field) => {
        const reason = blocked.get(field);
        return [field, reason === undefined ? ALLOWED : { allowed: false, reason }];
      }),
    ),
  };
}

/** The query as applied: blank text is no filter, flags default to false. */
export function normalizeQuery(dto: GraphQueryDto): GraphQuery {
  const q = dto.q?.trim();
  return {
    ...(dto.field ? { field: dto.field } : {}),
    ...(dto.subprocessor ? { subprocessor: dto.subprocessor } : {}),
    ...(dto.purpose ? { purpose: dto.purpose } : {}),
    ...(dto.mode ? { mode: dto.mode } : {}),
    ...(dto.region ? { region: dto.region } : {}),
    ...(dto.sensitivity ? { sensitivity: dto.sensitivity } : {}),
    ...(q ? { q } : {}),
    excluded: dto.excluded ?? false,
    purposes: dto.purposes ?? false,
    ...(dto.user ? { user: dto.user } : {}),
    ...(dto.edges === false ? { edges: false } : {}),
  };
}

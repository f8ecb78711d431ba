import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DataMapState } from './data-map-state.entity';
import { flowKeyOf } from '@flowgate/core';
import { Field } from './field.entity';
import { Flow, FlowField } from './flow.entity';
import type { ManifestDiff } from './manifest/manifest.diff';
import { normalizeManifest } from './manifest/manifest.diff';
import { NOT_STATED } from '@flowgate/core';
import { organizationOf, sentFields, type Manifest, type ManifestFlow } from './manifest/manifest.types';
import { Purpose } from './purpose.entity';
import { Subprocessor } from './subprocessor.entity';
import { currentActor } from '../auth/actor-context';
import { MapChange } from './map-change.entity';

/** A stored flow's identity and versioning, beside its manifest form. */
export interface StoredFlow {
  id: number;
  key: string;
  version: number;
  updatedAt: Date;
  /** Sent field key → the flow version at which it was added. */
  since: Map<string, number>;
  /** A new flow announced by a change notice: enforced from this instant (epoch ms). */
  effectiveFrom?: number | null;
  /** Sent field key → the instant (epoch ms) a field added by a change notice is enforced from. */
  fieldEffectiveFrom?: Map<string, number>;
}

/** The whole map as stored: the canonical manifest plus ids and versions. */
export interface StoredMap {
  version: number;
  updatedAt: Date | null;
  manifest: Manifest;
  ids: {
    fields: Map<string, number>;
    purposes: Map<string, number>;
    subprocessors: Map<string, number>;
  };
  flows: Map<string, StoredFlow>;
}

const STATE_ID = 1;
const CHUNK = 200;

/**
 * Reads the whole data map and writes a diff to it. The one place that turns map
 * changes into rows: flow versions, `since` of newly sent fields and the map version
 * are maintained here, for REST edits and imports alike.
 */
@Injectable()
export class DataMapStore {
  async load(m: EntityManager): Promise<StoredMap> {
    // One after the other: a transaction is one connection (pg queues, and deprecates, overlap).
    const fields = await m.find(Field);
    const purposes = await m.find(Purpose);
    const subprocessors = await m.find(Subprocessor);
    const flows = await m.find(Flow);
    const links = await m.find(FlowField);
    const state = await m.findOneBy(DataMapState, { id: STATE_ID });
    const fieldKey = new Map(fields.map((f) => [f.id, f.key]));
    const purposeKey = new Map(purposes.map((p) => [p.id, p.key]));
    const subprocessorKey = new Map(subprocessors.map((s) => [s.id, s.key]));
    const linksByFlow = new Map<number, FlowField[]>();
    for (const link of links) {
      const list = linksByFlow.get(link.flowId) ?? [];
      list.push(link);
      linksByFlow.set(link.flowId, list);
    }
    const storedFlows = new Map<string, StoredFlow>();
    const manifestFlows: ManifestFlow[] = flows.map((flow) => {
      const own = linksByFlow.get(flow.id) ?? [];
      const sent = own.filter((l) => l.role === 'sent');
      storedFlows.set(flow.key, {
        id: flow.id,
        key: flow.key,
        version: flow.version,
        updatedAt: flow.updatedAt,
        since: new Map(sent.map((l) => [fieldKey.get(l.fieldId) as string, l.since])),
        effectiveFrom: flow.effectiveFrom,
        fieldEffectiveFrom: new Map(
          sent.filter((l) => l.effectiveFrom !== null).map((l) => [fieldKey.get(l.fieldId) as string, l.effectiveFrom!]),
        ),
      });
      return {
        subprocessor: subprocessorKey.get(flow.subprocessorId) as string,
        purpose: purposeKey.get(flow.purposeId) as string,
        mode: flow.mode,
        legalBasis: flow.legalBasis,
        fields: flow.fieldsNotStated ? NOT_STATED : sent.map((l) => fieldKey.get(l.fieldId) as string),
        excludedFields: own
          .filter((l) => l.role === 'excluded')
          .map((l) => fieldKey.get(l.fieldId) as string),
        audiences: flow.audiences ?? undefined,
        activation: flow.activation ?? undefined,
        feature: flow.feature ?? undefined,
        description: flow.description ?? undefined,
        descriptions: flow.descriptions ?? undefined,
      };
    });
    const manifest = normalizeManifest({
      version: 2,
      organization: state?.organization
        ? { ...(state.organizationProfile ?? {}), name: state.organization }
        : undefined,
      fields: fields.map((f) => ({
        key: f.key,
        name: f.name,
        sensitivity: f.sensitivity,
        paths: f.paths,
        description: f.description ?? undefined,
      })),
      purposes: purposes.map((p) => ({
        key: p.key,
        name: p.name,
        description: p.description ?? undefined,
        descriptions: p.descriptions ?? undefined,
      })),
      subprocessors: subprocessors.map((s) => ({
        key: s.key,
        name: s.name,
        url: s.url ?? undefined,
        legalEntity: s.legalEntity ?? undefined,
        address: s.address ?? undefined,
        parent: s.parent ?? undefined,
        locations: s.locations,
        category: s.category,
        transferMechanism: s.transferMechanism ?? undefined,
        transfers: s.transfers ?? undefined,
        description: s.description ?? undefined,
        endpoints: s.endpoints ?? undefined,
      })),
      flows: manifestFlows,
    });
    return {
      version: state?.version ?? 0,
      updatedAt: state?.updatedAt ?? null,
      manifest,
      ids: {
        fields: new Map(fields.map((f) => [f.key, f.id])),
        purposes: new Map(purposes.map((p) => [p.key, p.id])),
        subprocessors: new Map(subprocessors.map((s) => [s.key, s.id])),
      },
      flows: storedFlows,
    };
  }

  /**
   * Writes `diff` (from `stored.manifest` to `next`) inside the caller's transaction and
   * bumps the map version. Returns the new map version.
   */
  async apply(m: EntityManager, stored: StoredMap, next: Manifest, diff: ManifestDiff): Promise<number> {
    const ids = {
      fields: new Map(stored.ids.fields),
      purposes: new Map(stored.ids.purposes),
      subprocessors: new Map(stored.ids.subprocessors),
    };
    const fields = new Map(next.fields.map((f) => [f.key, f]));
    const purposes = new Map(next.purposes.map((p) => [p.key, p]));
    const subprocessors = new Map(next.subprocessors.map((s) => [s.key, s]));
    const flows = new Map(next.flows.map((f) => [flowKeyOf(f.subprocessor, f.purpose), f]));

    const fieldRow = (key: string) => {
      const f = fields.get(key)!;
      return {
        key,
        name: f.name,
        sensitivity: f.sensitivity,
        paths: f.paths,
        description: f.description ?? null,
      };
    };
    const purposeRow = (key: string) => {
      const p = purposes.get(key)!;
      return { key, name: p.name, description: p.description ?? null, descriptions: p.descriptions ?? null };
    };
    const subprocessorRow = (key: string) => {
      const s = subprocessors.get(key)!;
      return {
        key,
        name: s.name,
        url: s.url ?? null,
        legalEntity: s.legalEntity ?? null,
        address: s.address ?? null,
        parent: s.parent ?? null,
        locations: s.locations,
        category: s.category,
        transferMechanism: s.transferMechanism ?? null,
        transfers: s.transfers ?? null,
        description: s.description ?? null,
        endpoints: s.endpoints === undefined || s.endpoints.length === 0 ? null : s.endpoints,
      };
    };

    // 1. Upsert what flows refer to.
    await this.insertAll(m, Field, diff.fields.added.map(fieldRow), ids.fields);
    await this.insertAll(m, Purpose, diff.purposes.added.map(purposeRow), ids.purposes);
    await this.insertAll(m, Subprocessor, diff.subprocessors.added.map(subprocessorRow), ids.subprocessors);
    for (const { key } of diff.fields.changed) await m.update(Field, { key }, fieldRow(key));
    for (const { key } of diff.purposes.changed) await m.update(Purpose, { key }, purposeRow(key));
    for (const { key } of diff.subprocessors.changed) {
      await m.update(Subprocessor, { key }, subprocessorRow(key));
    }

    // 2. Flows: removed, added, changed.
    const removedFlowIds = diff.flows.removed.map((key) => stored.flows.get(key)!.id);
    for (let i = 0; i < removedFlowIds.length; i += CHUNK) {
      await m.delete(Flow, removedFlowIds.slice(i, i + CHUNK));
    }
    const links: Array<Pick<FlowField, 'flowId' | 'fieldId' | 'role' | 'since' | 'effectiveFrom'>> = [];
    const linkRows = (
      flowId: number,
      flow: ManifestFlow,
      since: (field: string) => number,
      effectiveFrom: (field: string) => number | null = () => null,
    ) => {
      for (const key of sentFields(flow)) {
        links.push({ flowId, fieldId: ids.fields.get(key)!, role: 'sent', since: since(key), effectiveFrom: effectiveFrom(key) });
      }
      for (const key of flow.excludedFields ?? []) {
        links.push({ flowId, fieldId: ids.fields.get(key)!, role: 'excluded', since: 0, effectiveFrom: null });
      }
    };
    const flowRow = (key: string, version: number) => {
      const f = flows.get(key)!;
      return {
        key,
        subprocessorId: ids.subprocessors.get(f.subprocessor)!,
        purposeId: ids.purposes.get(f.purpose)!,
        mode: f.mode,
        legalBasis: f.legalBasis,
        version,
        description: f.description ?? null,
        descriptions: f.descriptions ?? null,
        fieldsNotStated: f.fields === NOT_STATED,
        audiences: f.audiences ?? null,
        activation: f.activation ?? null,
        feature: f.feature ?? null,
      };
    };
    const flowIds = new Map<string, number>();
    await this.insertAll(m, Flow, diff.flows.added.map((key) => flowRow(key, 1)), flowIds);
    for (const key of diff.flows.added) linkRows(flowIds.get(key)!, flows.get(key)!, () => 1);

    const before = new Map(stored.manifest.flows.map((f) => [flowKeyOf(f.subprocessor, f.purpose), f]));
    for (const { key } of diff.flows.changed) {
      const old = stored.flows.get(key)!;
      const previous = before.get(key)!;
      const flow = flows.get(key)!;
      const sentChanged =
        sentFields(previous).length !== sentFields(flow).length ||
        sentFields(flow).some((f) => !old.since.has(f));
      const version = sentChanged || previous.mode !== flow.mode ? old.version + 1 : old.version;
      await m.update(Flow, { id: old.id }, flowRow(key, version));
      await m.delete(FlowField, { flowId: old.id });
      // A field still scheduled by a change notice stays scheduled.
      linkRows(old.id, flow, (field) => old.since.get(field) ?? version, (field) => old.fieldEffectiveFrom?.get(field) ?? null);
    }
    for (let i = 0; i < links.length; i += CHUNK) {
      await m.insert(FlowField, links.slice(i, i + CHUNK));
    }

    // 3. Remove what nothing refers to any more.
    for (const key of diff.subprocessors.removed) await m.delete(Subprocessor, { key });
    for (const key of diff.purposes.removed) await m.delete(Purpose, { key });
    for (const key of diff.fields.removed) await m.delete(Field, { key });

    const version = stored.version + 1;
    const { name, ...profile } = organizationOf(next) ?? { name: null };
    await m.save(DataMapState, {
      id: STATE_ID,
      version,
      organization: name,
      organizationProfile: name !== null && Object.keys(profile).length > 0 ? profile : null,
    });
    // Who changed what, in the same transaction: the map's history.
    await m.insert(MapChange, { version, actor: currentActor(), diff: JSON.stringify(diff) });
    return version;
  }

  private async insertAll<T extends { key: string }>(
    m: EntityManager,
    entity: typeof Field | typeof Purpose | typeof Subprocessor | typeof Flow,
    rows: T[],
    ids: Map<string, number>,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      await m.insert(entity, chunk);
      // Read the ids back by key: multi-row inserts do not report ids on every driver.
      const inserted: Array<{ id: number; key: string }> = await m
        .createQueryBuilder(entity, 'e')
        .select(['e.id', 'e.key'])
        .where('e.key IN (:...keys)', { keys: chunk.map((r) => r.key) })
        .getMany();
      for (const row of inserted) ids.set(row.key, row.id);
    }
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject, type Observable } from 'rxjs';
import { type DataSource, type EntityManager, LessThan } from 'typeorm';
import { formatProblems, type Problem } from '../common/domain-error';
import { WriteQueue } from '../database/write-queue';
import { ChangeLogService, type LogEntry } from '../policy/change-log.service';
import { DataMapState } from './data-map-state.entity';
import { DataMapError, duplicateKey, inUse, notFound, type DataMapKind } from './data-map.errors';
import { checkEndpoints, checkFlow, type KnownKeys } from './data-map.rules';
import { DataMapStore, type StoredMap } from './data-map.store';
import { flowKeyOf, regionOf } from '@flowgate/core';
import type { CreateFieldDto, UpdateFieldDto } from './dto/field.dto';
import type { CreateFlowDto, UpdateFlowDto } from './dto/flow.dto';
import type { ListFlowsQueryDto, ListQueryDto, ListSubprocessorsQueryDto, Page } from './dto/list-query.dto';
import type { CreatePurposeDto, UpdatePurposeDto } from './dto/purpose.dto';
import type { FieldResponse, FlowResponse, PurposeResponse, SubprocessorResponse } from './dto/responses';
import type { CreateSubprocessorDto, UpdateSubprocessorDto } from './dto/subprocessor.dto';
import {
  diffManifests,
  isEmptyDiff,
  mergeManifest,
  normalizeManifest,
  type ManifestDiff,
} from './manifest/manifest.diff';
import { sentFields, type Manifest, type ManifestFlow } from './manifest/manifest.types';
import { parseManifestText, validateManifest } from './manifest/manifest.validation';
import { MapChange } from './map-change.entity';
import { completenessReport, type CompletenessReport } from './manifest/manifest.completeness';

export interface DataMapChange {
  version: number;
  diff: ManifestDiff;
}

/** A phase of an import, for progress: `writing` carries what will be written. */
export type ImportStep = { step: 'parsing' } | { step: 'validating' } | { step: 'writing'; diff: ManifestDiff };

export interface MapHistory {
  items: Array<{ version: number; actor: string; changedAt: string; diff: ManifestDiff }>;
  /** Pass as `before` for the next page; null on the last. */
  nextBefore: number | null;
}
/**
 * Runs inside the transaction of every committed map change, after it is written: what
 * must be recorded with the change itself (the change notice) goes here.
 */
export type MapCommitHook = (
  m: EntityManager,
  change: { before: StoredMap; after: Manifest; diff: ManifestDiff; version: number },
) => Promise<void>;

export interface ImportResult {
  applied: boolean;
  /** The map version after the import (unchanged for a dry run or a no-op). */
  version: number;
  diff: ManifestDiff;
  /** What the imported file explicitly leaves not stated (the import goes ahead). */
  warnings: Problem[];
}

/**
 * Owns the data map: reads from a snapshot kept in memory (checked against the stored
 * map version on every read, so changes made by another process are seen), and writes
 * every change — REST edit or manifest import — through one path: mutate the canonical
 * document, check the invariants, diff, persist the diff and append the new version to the
 * change log in one write transaction.
 */
@Injectable()
export class DataMapService {
  private snapshot: StoredMap | null = null;
  private readonly hooks: MapCommitHook[] = [];
  private readonly changeSubject = new Subject<DataMapChange>();
  /** Emits after every committed change of the map. */
  readonly changes: Observable<DataMapChange> = this.changeSubject.asObservable();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writeQueue: WriteQueue,
    private readonly store: DataMapStore,
    private readonly changeLog: ChangeLogService,
  ) {}

  /** The map's changes, newest first: version, actor, time, diff. */
  async history(limit: number, before?: number): Promise<MapHistory> {
    const rows = await this.dataSource.manager.find(MapChange, {
      where: before === undefined ? {} : { version: LessThan(before) },
      order: { version: 'DESC' },
      take: limit + 1,
    });
    const items = rows.slice(0, limit).map((r) => ({
      version: r.version,
      actor: r.actor,
      changedAt: r.changedAt.toISOString(),
      diff: JSON.parse(r.diff) as ManifestDiff,
    }));
    return { items, nextBefore: rows.length > limit ? items[items.length - 1].version : null };
  }

  /** Adds a hook run in the transaction of every committed change (see `MapCommitHook`). */
  onCommit(hook: MapCommitHook): void {
    this.hooks.push(hook);
  }

  /**
   * A change of the map's enforcement that is not a change of the manifest (an override
   * of a change notice): `work` runs in a transaction that also bumps the map version, so
   * every policy, cache and guard follows.
   */
  async bumpVersion(work: (m: EntityManager) => Promise<void>): Promise<number> {
    const committed = await this.writeQueue.transaction(async (m) => {
      const row = await m.findOneBy(DataMapState, { id: 1 });
      await work(m);
      const version = (row?.version ?? 0) + 1;
      await m.save(DataMapState, { ...(row ?? { id: 1, organization: null, organizationProfile: null }), version });
      // Into the change log like any map change, so every process's policy follows.
      return { version, diff: diffManifests(EMPTY_MAP, EMPTY_MAP), logged: await this.changeLog.append(m, [{ kind: 'policy', version }]) };
    });
    await this.announce(committed);
    return committed.version;
  }

  private async runHooks(m: EntityManager, before: StoredMap, after: Manifest, diff: ManifestDiff, version: number) {
    for (const hook of this.hooks) await hook(m, { before, after, diff, version });
  }

  /** The current stored map (ids, versions, canonical manifest). */
  async current(): Promise<StoredMap> {
    const row = await this.dataSource.manager.findOne(DataMapState, {
      where: { id: 1 },
      select: { id: true, version: true },
    });
    const version = row?.version ?? 0;
    if (!this.snapshot || this.snapshot.version !== version) {
      // One consistent read, so a snapshot never holds half a transaction.
      this.snapshot = await this.writeQueue.read((m) => this.store.load(m));
    }
    return this.snapshot;
  }

  async exportManifest(): Promise<Manifest> {
    return (await this.current()).manifest;
  }

  /** What the stored map does not state (see `completenessReport`). */
  async completeness(): Promise<CompletenessReport> {
    return completenessReport((await this.current()).manifest);
  }

  // ── fields ──────────────────────────────────────────────────────────────────
  async listFields(query: ListQueryDto): Promise<Page<FieldResponse>> {
    const map = await this.current();
    return page(
      map.manifest.fields.filter((f) => matchesText(query.q, f.key, f.name)).map((f) => this.fieldResponse(map, f.key)),
      query,
    );
  }

  async getField(key: string): Promise<FieldResponse> {
    const map = await this.current();
    if (!map.ids.fields.has(key)) throw notFound('field', key);
    return this.fieldResponse(map, key);
  }

  async createField(dto: CreateFieldDto): Promise<FieldResponse> {
    await this.change((m) => {
      if (m.fields.some((f) => f.key === dto.key)) throw duplicateKey('field', dto.key);
      return { ...m, fields: [...m.fields, dto] };
    });
    return this.getField(dto.key);
  }

  async updateField(key: string, dto: UpdateFieldDto): Promise<FieldResponse> {
    await this.change((m) => ({
      ...m,
      fields: replace(m.fields, 'field', key, (f) => ({ ...f, ...defined(dto) })),
    }));
    return this.getField(key);
  }

  async deleteField(key: string): Promise<void> {
    await this.change((m) => {
      const fields = remove(m.fields, 'field', key);
      const users = m.flows
        .filter((f) => sentFields(f).includes(key) || (f.excludedFields ?? []).includes(key))
        .map(keyOfFlow);
      if (users.length > 0) throw inUse('field', key, users);
      return { ...m, fields };
    });
  }

  // ── purposes ────────────────────────────────────────────────────────────────
  async listPurposes(query: ListQueryDto): Promise<Page<PurposeResponse>> {
    const map = await this.current();
    return page(map.manifest.purposes.filter((p) => matchesText(query.q, p.key, p.name)), query);
  }

  async getPurpose(key: string): Promise<PurposeResponse> {
    const purpose = (await this.current()).manifest.purposes.find((p) => p.key === key);
    if (!purpose) throw notFound('purpose', key);
    return purpose;
  }

  async createPurpose(dto: CreatePurposeDto): Promise<PurposeResponse> {
    await this.change((m) => {
      if (m.purposes.some((p) => p.key === dto.key)) throw duplicateKey('purpose', dto.key);
      return { ...m, purposes: [...m.purposes, dto] };
    });
    return this.getPurpose(dto.key);
  }

  async updatePurpose(key: string, dto: UpdatePurposeDto): Promise<PurposeResponse> {
    await this.change((m) => ({
      ...m,
      purposes: replace(m.purposes, 'purpose', key, (p) => ({ ...p, ...defined(dto) })),
    }));
    return this.getPurpose(key);
  }

  async deletePurpose(key: string): Promise<void> {
    await this.change((m) => {
      const purposes = remove(m.purposes, 'purpose', key);
      const users = m.flows.filter((f) => f.purpose === key).map(keyOfFlow);
      if (users.length > 0) throw inUse('purpose', key, users);
      return { ...m, purposes };
    });
  }

  // ── subprocessors ───────────────────────────────────────────────────────────
  async listSubprocessors(query: ListSubprocessorsQueryDto): Promise<Page<SubprocessorResponse>> {
    const map = await this.current();
    const items = map.manifest.subprocessors
      .map((s) => ({ ...s, region: regionOf(s.locations) }))
      .filter((s) => matchesText(query.q, s.key, s.name) && (!query.region || s.region === query.region));
    return page(items, query);
  }

  async getSubprocessor(key: string): Promise<SubprocessorResponse> {
    const s = (await this.current()).manifest.subprocessors.find((e) => e.key === key);
    if (!s) throw notFound('subprocessor', key);
    return { ...s, region: regionOf(s.locations) };
  }

  async createSubprocessor(dto: CreateSubprocessorDto): Promise<SubprocessorResponse> {
    await this.change((m) => {
      if (m.subprocessors.some((s) => s.key === dto.key)) throw duplicateKey('subprocessor', dto.key);
      assertValidTransfers(dto, m);
      return { ...m, subprocessors: [...m.subprocessors, dto] };
    });
    return this.getSubprocessor(dto.key);
  }

  async updateSubprocessor(key: string, dto: UpdateSubprocessorDto): Promise<SubprocessorResponse> {
    await this.change((m) => {
      const subprocessors = replace(m.subprocessors, 'subprocessor', key, (s) => ({ ...s, ...defined(dto) }));
      assertValidTransfers(subprocessors.find((s) => s.key === key)!, m);
      return { ...m, subprocessors };
    });
    return this.getSubprocessor(key);
  }

  async deleteSubprocessor(key: string): Promise<void> {
    await this.change((m) => {
      const subprocessors = remove(m.subprocessors, 'subprocessor', key);
      const users = m.flows.filter((f) => f.subprocessor === key).map(keyOfFlow);
      if (users.length > 0) throw inUse('subprocessor', key, users);
      const senders = subprocessors.filter((s) => (s.transfers ?? []).some((t) => t.to === key));
      if (senders.length > 0) {
        throw new DataMapError('SUBPROCESSOR_IN_USE', `The subprocessor "${key}" still receives onward transfers from ${senders.map((s) => `"${s.key}"`).join(', ')}; change them first`, senders.map((s) => ({ path: `subprocessors.${s.key}.transfers`, message: `transfers data on to "${key}"` })));
      }
      return { ...m, subprocessors };
    });
  }

  // ── flows ───────────────────────────────────────────────────────────────────
  async listFlows(query: ListFlowsQueryDto): Promise<Page<FlowResponse>> {
    const map = await this.current();
    const region = new Map(map.manifest.subprocessors.map((s) => [s.key, regionOf(s.locations)]));
    const items = map.manifest.flows.filter(
      (f) =>
        (!query.subprocessor || f.subprocessor === query.subprocessor) &&
        (!query.purpose || f.purpose === query.purpose) &&
        (!query.mode || f.mode === query.mode) &&
        (!query.field || sentFields(f).includes(query.field)) &&
        (!query.region || region.get(f.subprocessor) === query.region) &&
        matchesText(query.q, keyOfFlow(f), f.description ?? ''),
    );
    return page(items.map((f) => this.flowResponse(map, f)), query);
  }

  async getFlow(key: string): Promise<FlowResponse> {
    const map = await this.current();
    const flow = map.manifest.flows.find((f) => keyOfFlow(f) === key);
    if (!flow) throw notFound('flow', key);
    return this.flowResponse(map, flow);
  }

  async createFlow(dto: CreateFlowDto): Promise<FlowResponse> {
    const key = flowKeyOf(dto.subprocessor, dto.purpose);
    await this.change((m) => {
      if (m.flows.some((f) => keyOfFlow(f) === key)) throw duplicateKey('flow', key);
      assertValidFlow(dto, knownKeys(m));
      return { ...m, flows: [...m.flows, dto] };
    });
    return this.getFlow(key);
  }

  async updateFlow(key: string, dto: UpdateFlowDto): Promise<FlowResponse> {
    await this.change((m) => {
      const flows = m.flows.map((f) => (keyOfFlow(f) === key ? { ...f, ...defined(dto) } : f));
      const updated = flows.find((f) => keyOfFlow(f) === key);
      if (!updated) throw notFound('flow', key);
      assertValidFlow(updated, knownKeys(m));
      return { ...m, flows };
    });
    return this.getFlow(key);
  }

  async deleteFlow(key: string): Promise<void> {
    await this.change((m) => {
      if (!m.flows.some((f) => keyOfFlow(f) === key)) throw notFound('flow', key);
      return { ...m, flows: m.flows.filter((f) => keyOfFlow(f) !== key) };
    });
  }

  // ── manifest ────────────────────────────────────────────────────────────────
  /**
   * Imports a manifest document (parsed JSON, or YAML/JSON text) in one transaction.
   * Every problem — structural and between entries — is reported at once with its path
   * in the file; nothing is written unless all pass.
   */
  /** Imports a manifest; `onStep` hears each phase (the CLI shows them as progress on large files). */
  async importManifestDocument(
    input: unknown,
    options: { dryRun?: boolean; prune?: boolean; onStep?: (step: ImportStep) => void } = {},
  ): Promise<ImportResult> {
    const step = options.onStep ?? (() => undefined);
    step({ step: 'parsing' });
    const parsed = typeof input === 'string' ? parseManifestText(input) : { document: input, problems: [] };
    if (parsed.problems.length > 0) throw invalidManifest(parsed.problems);
    const prune = options.prune ?? false;
    let result: ImportResult | undefined;
    const committed = await this.writeQueue.transaction(async (m) => {
      const stored = await this.store.load(m);
      step({ step: 'validating' });
      const { manifest, problems, warnings } = validateManifest(
        parsed.document,
        prune ? undefined : knownKeys(stored.manifest),
      );
      if (!manifest) throw invalidManifest(problems);
      const next = normalizeManifest(mergeManifest(stored.manifest, manifest, prune));
      const diff = diffManifests(stored.manifest, next);
      if (options.dryRun || isEmptyDiff(diff)) {
        result = { applied: false, version: stored.version, diff, warnings };
        return null;
      }
      step({ step: 'writing', diff });
      const version = await this.store.apply(m, stored, next, diff);
      await this.runHooks(m, stored, next, diff, version);
      result = { applied: true, version, diff, warnings };
      return { version, diff, logged: await this.changeLog.append(m, [{ kind: 'policy', version }]) };
    });
    if (committed) await this.announce(committed);
    return result!;
  }

  /**
   * What importing `input` would make of the map, written nowhere: the stored map, the
   * next one and the diff (for the impact of a change). Problems throw as for an import.
   */
  async previewImport(
    input: unknown,
    options: { prune?: boolean } = {},
  ): Promise<{ before: StoredMap; next: Manifest; diff: ManifestDiff; warnings: Problem[] }> {
    const parsed = typeof input === 'string' ? parseManifestText(input) : { document: input, problems: [] };
    if (parsed.problems.length > 0) throw invalidManifest(parsed.problems);
    const prune = options.prune ?? false;
    const before = await this.current();
    const { manifest, problems, warnings } = validateManifest(parsed.document, prune ? undefined : knownKeys(before.manifest));
    if (!manifest) throw invalidManifest(problems);
    const next = normalizeManifest(mergeManifest(before.manifest, manifest, prune));
    return { before, next, diff: diffManifests(before.manifest, next), warnings };
  }

  /** The one write path: mutate the canonical document, diff, persist, announce. */
  private async change(mutate: (map: Manifest) => Manifest): Promise<void> {
    const committed = await this.writeQueue.transaction(async (m) => {
      const stored = await this.store.load(m);
      const next = normalizeManifest(mutate(stored.manifest));
      assertValidEndpoints(next);
      const diff = diffManifests(stored.manifest, next);
      if (isEmptyDiff(diff)) return null;
      const version = await this.store.apply(m, stored, next, diff);
      await this.runHooks(m, stored, next, diff, version);
      return { version, diff, logged: await this.changeLog.append(m, [{ kind: 'policy', version }]) };
    });
    if (committed) await this.announce(committed);
  }

  /** After commit: the change log entry (every process's policy follows it), then in process. */
  private async announce({ version, diff, logged }: DataMapChange & { logged: LogEntry[] }): Promise<void> {
    await this.changeLog.committed(logged);
    this.changeSubject.next({ version, diff });
  }

  private fieldResponse(map: StoredMap, key: string): FieldResponse {
    const field = map.manifest.fields.find((f) => f.key === key)!;
    return {
      ...field,
      sentBy: map.manifest.flows.filter((f) => sentFields(f).includes(key)).map(keyOfFlow),
    };
  }

  private flowResponse(map: StoredMap, flow: ManifestFlow): FlowResponse {
    const key = keyOfFlow(flow);
    const stored = map.flows.get(key)!;
    const subprocessor = map.manifest.subprocessors.find((s) => s.key === flow.subprocessor)!;
    return {
      key,
      ...flow,
      excludedFields: flow.excludedFields ?? [],
      version: stored.version,
      region: regionOf(subprocessor.locations),
      updatedAt: stored.updatedAt.toISOString(),
    };
  }
}

const EMPTY_MAP: Manifest = { version: 2, fields: [], purposes: [], subprocessors: [], flows: [] };

export function knownKeys(m: Manifest): KnownKeys {
  return {
    fields: new Set(m.fields.map((f) => f.key)),
    purposes: new Set(m.purposes.map((p) => p.key)),
    subprocessors: new Set(m.subprocessors.map((s) => s.key)),
  };
}

function invalidManifest(problems: Problem[]): DataMapError {
  return new DataMapError('INVALID_MANIFEST', formatProblems('Invalid manifest', problems), problems);
}

/** Every write keeps the endpoints valid (a purpose they name may not be removed under them). */
function assertValidEndpoints(next: Manifest): void {
  const problems = checkEndpoints(next, new Set(next.purposes.map((p) => p.key)));
  if (problems.length > 0) throw new DataMapError('INVALID_DATA_MAP', formatProblems('Invalid endpoints', problems), problems);
}

/** A subprocessor's onward transfers go to known subprocessors other than itself (as in a manifest). */
function assertValidTransfers(s: { key: string; transfers?: Array<{ to: string }> }, m: Manifest): void {
  const problems: Problem[] = [];
  (s.transfers ?? []).forEach((t, i) => {
    if (t.to === s.key) problems.push({ path: `transfers[${i}].to`, message: 'a subprocessor cannot transfer to itself' });
    else if (!m.subprocessors.some((o) => o.key === t.to)) problems.push({ path: `transfers[${i}].to`, message: `unknown subprocessor "${t.to}"` });
  });
  if (problems.length > 0) {
    throw new DataMapError('INVALID_DATA_MAP', formatProblems(`Invalid subprocessor "${s.key}"`, problems), problems);
  }
}

function assertValidFlow(flow: ManifestFlow, known: KnownKeys): void {
  const problems = checkFlow(flow, known);
  if (problems.length > 0) {
    throw new DataMapError(
      'INVALID_DATA_MAP',
      formatProblems(`Invalid flow "${keyOfFlow(flow)}"`, problems),
      problems,
    );
  }
}

function keyOfFlow(f: ManifestFlow): string {
  return flowKeyOf(f.subprocessor, f.purpose);
}

function replace<T extends { key: string }>(list: T[], kind: DataMapKind, key: string, update: (e: T) => T): T[] {
  if (!list.some((e) => e.key === key)) throw notFound(kind, key);
  return list.map((e) => (e.key === key ? update(e) : e));
}

function remove<T extends { key: string }>(list: T[], kind: DataMapKind, key: string): T[] {
  if (!list.some((e) => e.key === key)) throw notFound(kind, key);
  return list.filter((e) => e.key !== key);
}

/** An update DTO's given properties (absent ones leave the stored value as it is). */
function defined<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function matchesText(q: string | undefined, ...values: string[]): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return values.some((v) => v.toLowerCase().includes(needle));
}

function page<T>(items: T[], query: ListQueryDto): Page<T> {
  return {
    items: items.slice(query.offset, query.offset + query.limit),
    total: items.length,
    limit: query.limit,
    offset: query.offset,
  };
}

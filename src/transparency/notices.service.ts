import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../auth/clock';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { DataMapService, type MapCommitHook } from '../data-map/data-map.service';
import { Field } from '../data-map/field.entity';
import { Flow, FlowField } from '../data-map/flow.entity';
import { ChangeNotice } from './change-notice.entity';
import { draftNotice, objectionText } from './notice.rules';
import type { PageNotice, PublishedNotice } from './notice.types';
import type { NoticeFeed } from './transparency.service';
import { TransparencyError } from './transparency.errors';
import { WebhooksService } from './webhooks.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Change notices: each map change that adds or replaces a subprocessor, adds a field to a
 * flow or changes a location is recorded, in the transaction of the change, as a dated
 * notice whose effective date is the notice date plus `FLOWGATE_NOTICE_WINDOW_DAYS`; the
 * new flows and fields it lists are scheduled until then (the engine denies them
 * `not-yet-effective`), unless an admin overrides it with a recorded reason.
 */
@Injectable()
export class NoticesService implements OnModuleInit, NoticeFeed {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dataMap: DataMapService,
    private readonly webhooks: WebhooksService,
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.dataMap.onCommit(this.record);
  }

  private readonly record: MapCommitHook = async (m, { before, after, diff, version }) => {
    const draft = draftNotice(before.manifest, after, diff);
    if (draft === null) return;
    const noticeAt = this.clock.now().getTime();
    const effectiveAt = noticeAt + this.config.noticeWindowDays * DAY_MS;
    if (effectiveAt > noticeAt) await this.schedule(m, draft.scheduled, effectiveAt);
    const notice = await m.save(ChangeNotice, {
      mapVersion: version,
      kinds: draft.kinds,
      changes: draft.changes,
      facts: draft.facts,
      scheduled: draft.scheduled,
      noticeAt,
      effectiveAt,
      overrideReason: null,
      overrideAt: null,
    });
    await this.webhooks.enqueue(m, notice.id, noticeAt);
  };

  /** Sets `effectiveFrom` on the new flows and on the new fields of widened ones. */
  private async schedule(m: EntityManager, scheduled: ChangeNotice['scheduled'], at: number | null): Promise<void> {
    if (scheduled.length === 0) return;
    const flows = await m.find(Flow, { where: { key: In(scheduled.map((s) => s.flowKey)) }, select: { id: true, key: true } });
    const flowId = new Map(flows.map((f) => [f.key, f.id]));
    const fieldKeys = [...new Set(scheduled.flatMap((s) => s.fields))];
    const fields = fieldKeys.length === 0 ? [] : await m.find(Field, { where: { key: In(fieldKeys) }, select: { id: true, key: true } });
    const fieldId = new Map(fields.map((f) => [f.key, f.id]));
    for (const s of scheduled) {
      const id = flowId.get(s.flowKey);
      if (id === undefined) continue; // removed since
      if (s.newFlow) await m.update(Flow, { id }, { effectiveFrom: at });
      const ids = s.fields.map((k) => fieldId.get(k)).filter((x): x is number => x !== undefined);
      if (ids.length > 0) await m.update(FlowField, { flowId: id, fieldId: In(ids), role: 'sent' }, { effectiveFrom: at });
    }
  }

  /**
   * Makes a notice effective at once (an emergency: a subprocessor needed now), with the
   * reason recorded on the notice and shown with it. Bumps the map version, so every
   * policy and guard follows.
   */
  async override(id: number, reason: string): Promise<PageNotice> {
    const notice = await this.dataSource.manager.findOneBy(ChangeNotice, { id });
    if (!notice) throw new TransparencyError('NOTICE_NOT_FOUND', `No change notice ${id}`);
    const now = this.clock.now().getTime();
    if (notice.overrideAt !== null || notice.effectiveAt <= now) {
      throw new TransparencyError('NOTICE_ALREADY_EFFECTIVE', `Change notice ${id} is already in effect`, [
        { path: 'id', message: `notice ${id} took effect on ${new Date(notice.effectiveAt).toISOString()}` },
      ]);
    }
    await this.dataMap.bumpVersion(async (m) => {
      await this.schedule(m, notice.scheduled, null);
      await m.update(ChangeNotice, { id }, { overrideReason: reason, overrideAt: now });
    });
    return (await this.list()).find((n) => n.id === id)!;
  }

  async version(): Promise<string> {
    const row = (await this.dataSource.query(
      'SELECT COUNT(*) AS n, MAX("id") AS last, MAX("overrideAt") AS overridden FROM "change_notice"',
    )) as Array<{ n: number; last: number | null; overridden: number | null }>;
    return `${row[0].n}.${row[0].last ?? 0}.${row[0].overridden ?? 0}`;
  }

  /** Every notice, newest first, with the facts the public page writes its sentences from. */
  async published(): Promise<PublishedNotice[]> {
    const [rows, map] = await Promise.all([
      this.dataSource.manager.find(ChangeNotice, { order: { id: 'DESC' } }),
      this.dataMap.current(),
    ]);
    return rows.map((n) => ({ ...toPageNotice(n, objectionText(map.manifest, n.effectiveAt)), facts: n.facts }));
  }

  /** Every notice, newest first. */
  async list(): Promise<PageNotice[]> {
    return (await this.published()).map(({ facts: _facts, ...notice }) => notice);
  }

  async get(id: number): Promise<PageNotice> {
    const notice = (await this.list()).find((n) => n.id === id);
    if (!notice) throw new TransparencyError('NOTICE_NOT_FOUND', `No change notice ${id}`);
    return notice;
  }
}

export function toPageNotice(n: ChangeNotice, objection: string): PageNotice {
  return {
    id: n.id,
    kinds: n.kinds,
    changes: n.changes,
    noticeDate: new Date(n.noticeAt).toISOString(),
    effectiveDate: new Date(n.effectiveAt).toISOString(),
    mapVersion: n.mapVersion,
    ...(n.overrideReason !== null && n.overrideAt !== null
      ? { override: { reason: n.overrideReason, at: new Date(n.overrideAt).toISOString() } }
      : {}),
    objection,
  };
}

import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../auth/clock';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { WriteQueue } from '../database/write-queue';
import { CONSENT_CATEGORIES, REASON_CODES, type ConsentCategory, type ReasonCode } from '@flowgate/core';
import type { AuditKind } from '@flowgate/core';
import { AuditBatch, AuditEvent } from './audit-event.entity';
import type { AuditSummaryQueryDto, AuditWindowQueryDto } from './dto/audit-query.dto';
import type {
  AuditDriftResponse,
  AuditSummaryResponse,
  CountByKey,
  DriftItem,
  RecordAuditEventsResponse,
} from './dto/audit-responses';
import type { RecordAuditEventsDto } from './dto/record-audit-events.dto';
import { MetricsService } from '../observability/metrics.service';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far a guard's clock may run ahead of the server's. */
export const MAX_CLOCK_SKEW_MS = 60 * 60 * 1000;
const MAX_WINDOW_MS = 366 * DAY_MS;
const CHUNK = 100;
const DEFAULT_KINDS: AuditKind[] = ['blocked', 'monitored'];

interface Window {
  from: number;
  to: number;
}

/**
 * Stores what guards report (batches of counted records) and answers the privacy team's
 * questions about it: what was blocked or would have been, where, why; and drift.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly writeQueue: WriteQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  async record(dto: RecordAuditEventsDto, sender: { readonly tokenId: number }): Promise<RecordAuditEventsResponse> {
    const now = this.clock.now().getTime();
    const problems: Problem[] = [];
    const rows = dto.events.map((event, i) => {
      const at = `events[${i}]`;
      if (event.kind === 'call') {
        // One decided call: the field keys it carried, and the user's consent category (never the user).
        if (!CONSENT_CATEGORIES.includes(event.reason as ConsentCategory)) {
          problems.push({ path: `${at}.reason`, message: `must be one of ${CONSENT_CATEGORIES.join(', ')} for kind call` });
        }
        if (event.field !== '-' && !/^[a-z0-9][a-z0-9._-]*(?:,[a-z0-9][a-z0-9._-]*)*$/.test(event.field)) {
          problems.push({ path: `${at}.field`, message: 'must be the field keys of the call, comma-separated, or - for none' });
        }
      } else if (event.kind !== 'drift' && !REASON_CODES.includes(event.reason as ReasonCode)) {
        problems.push({ path: `${at}.reason`, message: `must be one of ${REASON_CODES.join(', ')} for kind ${event.kind}` });
      }
      const firstAt = Date.parse(event.firstAt);
      const lastAt = Date.parse(event.lastAt);
      if (lastAt < firstAt) problems.push({ path: `${at}.lastAt`, message: 'must not be before firstAt' });
      if (lastAt > now + MAX_CLOCK_SKEW_MS) problems.push({ path: `${at}.lastAt`, message: 'must not be in the future' });
      return {
        kind: event.kind,
        subprocessor: event.subprocessor,
        purpose: event.purpose,
        field: event.field,
        reason: event.reason,
        mode: event.mode,
        policyVersion: event.policyVersion,
        count: event.count,
        firstAt,
        lastAt,
      };
    });
    if (problems.length > 0) throw new ValidationFailedError(problems, 'audit batch');

    const stored = await this.writeQueue.transaction(async (m) => {
      const inserted = await m.insert(AuditBatch, {
        service: dto.service,
        tokenId: sender.tokenId,
        receivedAt: now,
        dropped: dto.dropped ?? 0,
      });
      const batchId = Number(inserted.identifiers[0].id);
      for (let i = 0; i < rows.length; i += CHUNK) {
        await m.insert(AuditEvent, rows.slice(i, i + CHUNK).map((row) => ({ ...row, batchId })));
      }
      return { batchId, accepted: rows.length };
    });
    this.metrics.guardReportsReceived(rows.map((r) => r.kind));
    return stored;
  }

  async summary(query: AuditSummaryQueryDto): Promise<AuditSummaryResponse> {
    const window = this.window(query);
    const kinds = query.kind === undefined ? DEFAULT_KINDS : [query.kind];
    const where = ['e."lastAt" >= ?', 'e."lastAt" < ?', `e.kind IN (${kinds.map(() => '?').join(', ')})`];
    const params: unknown[] = [window.from, window.to, ...kinds];
    if (query.subprocessor !== undefined) {
      where.push('e.subprocessor = ?');
      params.push(query.subprocessor);
    }
    const from = `FROM audit_event e JOIN audit_batch b ON b.id = e."batchId" WHERE ${where.join(' AND ')}`;
    const sql = (text: string) => this.writeQueue.sql(text);
    return this.read(async (m) => {
      const by = async (column: string): Promise<CountByKey[]> => {
        const rows: Array<{ key: string; total: number }> = await m.query(
          sql(`SELECT ${column} AS key, SUM(e.count) AS total ${from} GROUP BY ${column} ORDER BY total DESC, key ASC LIMIT ?`),
          [...params, query.limit],
        );
        return rows.map((r) => ({ key: r.key, count: Number(r.total) }));
      };
      const [totals] = (await m.query(sql(`SELECT COALESCE(SUM(e.count), 0) AS total ${from}`), params)) as Array<{ total: number }>;
      const [dropped] = (await m.query(
        sql('SELECT COALESCE(SUM(dropped), 0) AS total FROM audit_batch WHERE "receivedAt" >= ? AND "receivedAt" < ?'),
        [window.from, window.to],
      )) as Array<{ total: number }>;
      return {
        from: new Date(window.from).toISOString(),
        to: new Date(window.to).toISOString(),
        kinds,
        subprocessor: query.subprocessor ?? null,
        total: Number(totals.total),
        dropped: Number(dropped.total),
        byKind: await by('e.kind'),
        bySubprocessor: await by('e.subprocessor'),
        byField: await by('e.field'),
        byReason: await by('e.reason'),
        byService: await by('b.service'),
      };
    });
  }

  async drift(query: AuditWindowQueryDto): Promise<AuditDriftResponse> {
    const window = this.window(query);
    const where = ["e.kind = 'drift'", 'e."lastAt" >= ?', 'e."lastAt" < ?'];
    const params: unknown[] = [window.from, window.to];
    if (query.subprocessor !== undefined) {
      where.push('e.subprocessor = ?');
      params.push(query.subprocessor);
    }
    const rows: Array<{
      subprocessor: string;
      purpose: string | null;
      field: string;
      detector: string;
      service: string;
      total: number;
      firstAt: number;
      lastAt: number;
    }> = await this.read((m) =>
      m.query(
        this.writeQueue.sql(`SELECT e.subprocessor, e.purpose, e.field, e.reason AS detector, b.service, SUM(e.count) AS total,
                MIN(e."firstAt") AS "firstAt", MAX(e."lastAt") AS "lastAt"
         FROM audit_event e JOIN audit_batch b ON b.id = e."batchId"
         WHERE ${where.join(' AND ')}
         GROUP BY e.subprocessor, e.purpose, e.field, e.reason, b.service
         LIMIT 100000`),
        params,
      ),
    );
    const items = new Map<string, DriftItem & { first: number; last: number }>();
    for (const row of rows) {
      const key = JSON.stringify([row.subprocessor, row.purpose, row.field, row.detector]);
      const item = items.get(key) ?? {
        subprocessor: row.subprocessor,
        purpose: row.purpose,
        field: row.field,
        detector: row.detector,
        count: 0,
        firstAt: '',
        lastAt: '',
        services: [],
        first: Number.POSITIVE_INFINITY,
        last: 0,
      };
      item.count += Number(row.total);
      item.first = Math.min(item.first, Number(row.firstAt));
      item.last = Math.max(item.last, Number(row.lastAt));
      item.services.push(row.service);
      items.set(key, item);
    }
    const sorted = [...items.values()]
      .sort((a, b) => b.count - a.count || a.subprocessor.localeCompare(b.subprocessor) || a.field.localeCompare(b.field))
      .slice(0, query.limit)
      .map(({ first, last, ...item }) => ({
        ...item,
        services: item.services.sort(),
        firstAt: new Date(first).toISOString(),
        lastAt: new Date(last).toISOString(),
      }));
    return {
      from: new Date(window.from).toISOString(),
      to: new Date(window.to).toISOString(),
      subprocessor: query.subprocessor ?? null,
      items: sorted,
    };
  }

  private window(query: AuditWindowQueryDto): Window {
    const to = query.to !== undefined ? Date.parse(query.to) : this.clock.now().getTime();
    const from = query.from !== undefined ? Date.parse(query.from) : to - DAY_MS;
    if (from >= to) throw new ValidationFailedError([{ path: 'from', message: 'must be before to' }], 'query');
    if (to - from > MAX_WINDOW_MS) {
      throw new ValidationFailedError([{ path: 'from', message: 'the window may span at most 366 days' }], 'query');
    }
    return { from, to };
  }

  /** One consistent read, so a report never sees half a batch. */
  private read<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.writeQueue.read(work);
  }
}

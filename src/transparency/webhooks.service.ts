import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, randomBytes } from 'node:crypto';
import { LessThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../auth/clock';
import { ValidationFailedError } from '../common/domain-error';
import { WriteQueue } from '../database/write-queue';
import type { PageNotice } from './notice.types';
import { TransparencyError } from './transparency.errors';
import { WebhookDelivery, WebhookSubscription } from './webhook.entity';

/** Attempts per delivery; after the first, each waits twice as long: 1 s, 2 s, 4 s, 8 s, 16 s. */
export const MAX_ATTEMPTS = 6;
export const RETRY_BASE_MS = 1000;
const TIMEOUT_MS = 5000;
const POLL_MS = 500;

/**
 * The signature a receiver checks: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * with the subscription's secret (the timestamp lets it refuse replays).
 */
export function signatureOf(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export interface WebhookView {
  id: number;
  url: string;
  active: boolean;
  createdAt: string;
}

/**
 * Subscriptions to change notices, and their delivery: each notice is queued for every
 * active subscription in the transaction that records it, then POSTed (signed) by a
 * poller that retries with exponential back-off and logs every attempt. Deliveries are
 * rows, so a notice recorded by the CLI is delivered by the server, and none is lost to
 * a restart.
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhooksService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  /** Set by the notices module: a notice by id, as published. */
  noticeById: (id: number) => Promise<PageNotice> = () => Promise.reject(new Error('no notices'));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writeQueue: WriteQueue,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async create(input: { url?: unknown; secret?: unknown }): Promise<WebhookView & { secret: string }> {
    const problems = [];
    const url = input.url;
    if (typeof url !== 'string' || url.length > 500 || !isHttpUrl(url)) problems.push({ path: 'url', message: 'must be an http(s) URL of at most 500 characters' });
    const secret = input.secret ?? randomBytes(32).toString('base64url');
    if (typeof secret !== 'string' || secret.length < 16 || secret.length > 200) problems.push({ path: 'secret', message: 'must be a string of 16 to 200 characters' });
    if (problems.length > 0) throw new ValidationFailedError(problems, 'webhook');
    const row = await this.writeQueue.transaction((m) => m.save(WebhookSubscription, { url: url as string, secret: secret as string, active: true }));
    return { ...view(row), secret: row.secret };
  }

  async list(): Promise<WebhookView[]> {
    return (await this.dataSource.manager.find(WebhookSubscription, { order: { id: 'ASC' } })).map(view);
  }

  async remove(id: number): Promise<void> {
    const done = await this.writeQueue.transaction(async (m) => (await m.update(WebhookSubscription, { id, active: true }, { active: false })).affected ?? 0);
    if (done === 0) throw new TransparencyError('WEBHOOK_NOT_FOUND', `No active webhook ${id}`);
  }

  /** The delivery log of one subscription, newest first. */
  async deliveries(id: number) {
    if (!(await this.dataSource.manager.existsBy(WebhookSubscription, { id }))) {
      throw new TransparencyError('WEBHOOK_NOT_FOUND', `No webhook ${id}`);
    }
    const rows = await this.dataSource.manager.find(WebhookDelivery, { where: { subscriptionId: id }, order: { id: 'DESC' } });
    return rows.map((d) => ({
      id: d.id,
      noticeId: d.noticeId,
      status: d.status,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      nextAttemptAt: d.status === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
      deliveredAt: d.deliveredAt === null ? null : new Date(d.deliveredAt).toISOString(),
    }));
  }

  /** Queues a notice for every active subscription, inside the caller's transaction. */
  async enqueue(m: EntityManager, noticeId: number, at: number): Promise<void> {
    const subscriptions = await m.find(WebhookSubscription, { where: { active: true }, select: { id: true } });
    for (const s of subscriptions) {
      await m.insert(WebhookDelivery, { subscriptionId: s.id, noticeId, status: 'pending', attempts: 0, nextAttemptAt: at, lastStatus: null, lastError: null, deliveredAt: null });
    }
    setImmediate(() => this.kick());
  }

  /** Delivers what is due (one run at a time). */
  kick(): void {
    if (this.running || this.closed) return;
    this.running = this.deliverDue()
      .catch((error: unknown) => this.logger.error(`webhook delivery: ${String(error)}`))
      .finally(() => {
        this.running = null;
      });
  }

  private async deliverDue(): Promise<void> {
    const now = this.clock.now().getTime();
    // Read behind queued writes, so a delivery whose notice is not committed yet is never seen.
    const due = await this.writeQueue.transaction((m) =>
      m.find(WebhookDelivery, {
        where: { status: 'pending', nextAttemptAt: LessThanOrEqual(now) },
        order: { id: 'ASC' },
        take: 20,
      }),
    );
    for (const d of due) {
      if (this.closed) return;
      const subscription = await this.dataSource.manager.findOneBy(WebhookSubscription, { id: d.subscriptionId });
      if (!subscription?.active) {
        await this.writeQueue.transaction((m) => m.update(WebhookDelivery, { id: d.id }, { status: 'failed', lastError: 'subscription removed' }));
        continue;
      }
      const body = JSON.stringify({ type: 'notice.created', delivery: d.id, notice: await this.noticeById(d.noticeId) });
      const t = Math.floor(this.clock.now().getTime() / 1000);
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(subscription.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'flowgate-signature': signatureOf(subscription.secret, body, t), 'flowgate-delivery': String(d.id) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const attempts = d.attempts + 1;
      const at = this.clock.now().getTime();
      const update: Partial<WebhookDelivery> =
        error === null
          ? { status: 'delivered', attempts, lastStatus: status, lastError: null, deliveredAt: at }
          : attempts >= MAX_ATTEMPTS
            ? { status: 'failed', attempts, lastStatus: status, lastError: error }
            : { status: 'pending', attempts, lastStatus: status, lastError: error, nextAttemptAt: at + RETRY_BASE_MS * 2 ** (attempts - 1) };
      await this.writeQueue.transaction((m) => m.update(WebhookDelivery, { id: d.id }, update));
    }
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function view(s: WebhookSubscription): WebhookView {
  return { id: s.id, url: s.url, active: s.active, createdAt: s.createdAt.toISOString() };
}

import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { formatFeedEvent, HEARTBEAT_INTERVAL_MS } from '@flowgate/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import { ChangeLogService, isFeedEvent, type ChangeEvent, type LogEntry } from './change-log.service';
import { PolicyService } from './policy.service';
import { MetricsService } from '../observability/metrics.service';

/**
 * A heartbeat event this often (the feed contract's interval): it keeps proxies from closing
 * an idle stream, and lets clients tell a silent feed from a quiet one.
 */
export const HEARTBEAT_MS = HEARTBEAT_INTERVAL_MS;
/** What EventSource clients wait before reconnecting. */
const RETRY_MS = 2000;

interface Stream {
  res: ServerResponse;
  subscription: Subscription;
  heartbeat: NodeJS.Timeout;
}

/**
 * Server-sent events over the change log (whichever process wrote an entry: the log is
 * followed from the database). A stream starts with the backlog after
 * `Last-Event-ID` (or nothing, for a new client), then a `ready` event, then live changes:
 *
 *   id: 42
 *   event: consent
 *   data: {"id":42,"kind":"consent","userId":"ada@example.com","version":3}
 *
 * Live changes that arrive while the backlog is read are held and sent after it, so a
 * resuming client misses nothing and sees nothing twice. A Last-Event-ID beyond the log
 * (the database was replaced) gets a `reset` event: refetch everything.
 */
@Injectable()
export class ChangeFeedService implements OnModuleDestroy {
  private readonly streams = new Set<Stream>();

  constructor(
    private readonly changeLog: ChangeLogService,
    private readonly policies: PolicyService,
    metrics: MetricsService,
  ) {
    metrics.gauge('flowgate_change_feed_subscribers', 'Open change-feed (server-sent events) streams', () => this.streams.size);
  }

  async open(req: IncomingMessage, res: ServerResponse, lastEventId: number | null): Promise<void> {
    if (!this.changeLog.status().live) {
      // This instance cannot see the log (database down): a guard must not take silence for
      // "no changes". It retries, and meanwhile its staleness bound runs (then fails closed).
      res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ statusCode: 503, code: 'CHANGE_LOG_UNAVAILABLE', message: 'This instance cannot read the change log right now' }));
      return;
    }
    let lastSent = -1;
    let live = false;
    const held: LogEntry[] = [];
    const send = (entry: LogEntry) => {
      if (entry.id <= lastSent || !isFeedEvent(entry)) return;
      const event: ChangeEvent = entry;
      lastSent = event.id;
      res.write(`id: ${event.id}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const subscription = this.changeLog.live.subscribe((event) => (live ? send(event) : held.push(event)));
    const stream: Stream = {
      res,
      subscription,
      heartbeat: setInterval(() => {
        if (this.changeLog.status().live) {
          // A heartbeat event: a guard that hears none within maxStalenessMs treats its policy as stale.
          res.write(formatFeedEvent({ kind: 'heartbeat' }));
        } else {
          // No heartbeat while the log cannot be read: end the stream, the guard reconnects.
          this.close(stream);
          res.end();
        }
      }, HEARTBEAT_MS),
    };
    this.streams.add(stream);
    req.on('close', () => this.close(stream));

    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: ${RETRY_MS}\n\n`);

    const latest = await this.changeLog.latestId();
    if (lastEventId === null) {
      lastSent = latest;
    } else if (lastEventId > latest) {
      lastSent = latest;
      res.write(`id: ${latest}\nevent: reset\ndata: ${JSON.stringify({ lastEventId: latest })}\n\n`);
    } else {
      lastSent = lastEventId;
      for (;;) {
        const page = await this.changeLog.since(lastSent);
        page.forEach(send);
        // Server-internal entries are not sent but still move the resume point on.
        if (page.length > 0) lastSent = Math.max(lastSent, page[page.length - 1].id);
        if (page.length === 0 || !this.streams.has(stream)) break;
      }
    }
    const { version } = await this.policies.current();
    res.write(`id: ${lastSent}\nevent: ready\ndata: ${JSON.stringify({ lastEventId: lastSent, policyVersion: version })}\n\n`);
    held.splice(0).forEach(send);
    live = true;
  }

  onModuleDestroy(): void {
    for (const stream of this.streams) {
      this.close(stream);
      stream.res.end();
    }
  }

  private close(stream: Stream): void {
    stream.subscription.unsubscribe();
    clearInterval(stream.heartbeat);
    this.streams.delete(stream);
  }
}

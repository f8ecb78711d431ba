import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { formatFeedEvent, HEARTBEAT_INTERVAL_MS } from '@flowgate/core';
import type { Request, Response } from 'express';
import type { Subscription } from 'rxjs';
import { ChangeLogService, type ChangeEvent } from './change-log.service';
import { PolicyService } from './policy.service';

/**
 * A heartbeat event this often (the feed contract's interval): it keeps proxies from closing
 * an idle stream, and lets clients tell a silent feed from a quiet one.
 */
export const HEARTBEAT_MS = HEARTBEAT_INTERVAL_MS;
/** What EventSource clients wait before reconnecting. */
const RETRY_MS = 2000;

interface Stream {
  res: Response;
  subscription: Subscription;
  heartbeat: NodeJS.Timeout;
}

/**
 * Server-sent events over the change log. A stream starts with the backlog after
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
  ) {}

  async open(req: Request, res: Response, lastEventId: number | null): Promise<void> {
    let lastSent = -1;
    let live = false;
    const held: ChangeEvent[] = [];
    const send = (event: ChangeEvent) => {
      if (event.id <= lastSent) return;
      lastSent = event.id;
      res.write(`id: ${event.id}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const subscription = this.changeLog.live.subscribe((event) => (live ? send(event) : held.push(event)));
    const stream: Stream = {
      res,
      subscription,
      heartbeat: setInterval(() => res.write(formatFeedEvent({ kind: 'heartbeat' })), HEARTBEAT_MS),
    };
    this.streams.add(stream);
    req.on('close', () => this.close(stream));

    res.status(200);
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

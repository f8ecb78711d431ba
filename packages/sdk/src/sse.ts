/** One dispatched server-sent event. */
export interface SseEvent {
  /** `message` when the stream named none. */
  readonly event: string;
  readonly data: string;
  /** The last event id in effect (persists across events, as in EventSource). */
  readonly lastEventId: string;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** `retry:` — the server's reconnection delay in milliseconds. */
  onRetry?(ms: number): void;
  /** A comment line (`: keep-alive`). */
  onComment?(text: string): void;
}

/**
 * An incremental parser for `text/event-stream` (the HTML spec's algorithm): feed it
 * decoded text as it arrives, in chunks of any size. Node 20 has no EventSource.
 */
export class SseParser {
  private buffer = '';
  private first = true;
  private eventType = '';
  private data: string[] = [];
  private hasData = false;
  private lastEventId = '';
  /** A chunk ended in `\r`: a `\n` starting the next chunk belongs to it. */
  private pendingCR = false;

  constructor(private readonly handlers: SseHandlers) {}

  /** The id to send as `Last-Event-ID` on reconnect. */
  get eventId(): string {
    return this.lastEventId;
  }

  push(text: string): void {
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCR = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.handlers.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
      default:
        break;
    }
  }

  private dispatch(): void {
    const type = this.eventType;
    this.eventType = '';
    if (!this.hasData) return;
    const data = this.data.join('\n');
    this.data = [];
    this.hasData = false;
    this.handlers.onEvent({ event: type === '' ? 'message' : type, data, lastEventId: this.lastEventId });
  }
}

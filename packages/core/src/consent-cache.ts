import {
  compileConsents,
  decodeChoice,
  encodeChoice,
  type ConsentChoice,
  type Consents,
} from './engine/consents.js';
import type { Policy } from './engine/policy.js';

/** What a source knows of one user: their current choices by flow key and their GPC signal. */
export interface ConsentRecord {
  readonly choices: readonly (readonly [flowKey: string, choice: ConsentChoice])[];
  readonly gpc: boolean;
  /**
   * The user's consent state version (events recorded for them), so that a change
   * announced for an older version can be told apart; 0 when not given.
   */
  readonly version?: number;
}

export interface ConsentCacheOptions {
  /** Users kept (least recently used evicted first). Default 100,000. */
  readonly maxUsers?: number;
  /** Users kept compiled against the current policy, ready for `decide`. Default 4,096. */
  readonly hotUsers?: number;
}

const NONE = -1;
const EMPTY = 0;
const MAX_ID_BYTES = 0xffff;
const MAX_CHOICES = 0x7fff;
const MAX_FLOW_KEYS = 0xffff;

interface HotEntry {
  readonly consents: Consents;
  readonly slot: number;
}

/**
 * A bounded LRU of users' consents, kept compact so a million users fit in a few tens of
 * megabytes: the one encoding of cached consents, used by the SDK's sources and the server.
 * Records live in one byte arena (`[id length u16][id utf-8][count·2+gpc u16][version varint]
 * [flow id u16, choice as zigzag varint]*`, flow keys interned), users are found through an
 * open-addressing table of slot numbers, and recency is a doubly linked list in typed
 * arrays. A small "hot" tier keeps the engine's compiled `Consents` for the users seen
 * most recently, so a warm check does not recompile.
 *
 * Choices are stored exactly as given (the engine's own encoding of a version: a
 * non-negative safe integer, capped); decisions are always the engine's.
 */
export class ConsentCache {
  readonly maxUsers: number;
  private readonly maxHot: number;

  // Slots: one per cached user.
  private offsets: Int32Array;
  private prev: Int32Array;
  private next: Int32Array;
  private slotCount = 0;
  private freeSlots: number[] = [];
  private head = NONE;
  private tail = NONE;
  private count = 0;

  // Index: slot + 1 per bucket, 0 = empty; linear probing, load ≤ 1/2.
  private table: Int32Array;
  private mask: number;

  // Arena of records.
  private arena: Uint8Array;
  private arenaEnd = 0;
  private garbage = 0;

  private readonly flowIds = new Map<string, number>();
  private readonly flowKeys: string[] = [];
  private readonly hot = new Map<string, HotEntry>();

  constructor(options: ConsentCacheOptions = {}) {
    this.maxUsers = positiveInt(options.maxUsers ?? 100_000, 'maxUsers');
    this.maxHot = Math.min(positiveInt(options.hotUsers ?? 4_096, 'hotUsers'), this.maxUsers);
    const slots = Math.min(this.maxUsers, 1024);
    this.offsets = new Int32Array(slots);
    this.prev = new Int32Array(slots);
    this.next = new Int32Array(slots);
    this.table = new Int32Array(tableSizeFor(slots));
    this.mask = this.table.length - 1;
    this.arena = new Uint8Array(slots * 24);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the compact tier (typed arrays at their allocated size). */
  get byteLength(): number {
    return (
      this.offsets.byteLength + this.prev.byteLength + this.next.byteLength + this.table.byteLength + this.arena.byteLength
    );
  }

  has(userId: string): boolean {
    return this.hot.has(userId) || this.find(userId) !== NONE;
  }

  /** The user's consents compiled against `policy`, or undefined when the user is not cached. */
  get(userId: string, policy: Policy): Consents | undefined {
    const entry = this.hot.get(userId);
    if (entry !== undefined && entry.consents.policy === policy) {
      this.touch(entry.slot);
      return entry.consents;
    }
    const slot = entry?.slot ?? this.find(userId);
    if (slot === NONE) return undefined;
    this.touch(slot);
    const record = this.readRecord(slot);
    const consents = compileConsents(policy, record.choices, { gpc: record.gpc });
    this.remember(userId, { consents, slot });
    return consents;
  }

  /** The stored record, without compiling it (for inspection and tests); `version` 0 when none was given. */
  peek(userId: string): ConsentRecord | undefined {
    const slot = this.find(userId);
    return slot === NONE ? undefined : this.readRecord(slot);
  }

  /** The cached user's consent state version (0 when none was given), without touching recency. */
  versionOf(userId: string): number | undefined {
    const slot = this.find(userId);
    if (slot === NONE) return undefined;
    const a = this.arena;
    const at = this.offsets[slot];
    return readVarint(a, at + 2 + (a[at] | (a[at + 1] << 8)) + 2).value;
  }

  set(userId: string, record: ConsentRecord): void {
    const id = this.encodeId(userId);
    if (record.choices.length > MAX_CHOICES) throw new RangeError(`more than ${MAX_CHOICES} choices for one user`);
    this.delete(userId);
    if (this.count >= this.maxUsers) this.evictTail();
    const slot = this.allocateSlot();
    this.offsets[slot] = this.writeRecord(id, record);
    this.count++;
    this.linkFront(slot);
    this.insertIndex(slot, typeof id === 'string' ? hashAscii(id) : hashBytes(id, id.length));
  }

  delete(userId: string): boolean {
    this.hot.delete(userId);
    const slot = this.find(userId);
    if (slot === NONE) return false;
    this.removeSlot(slot);
    return true;
  }

  clear(): void {
    this.hot.clear();
    this.table.fill(EMPTY);
    this.freeSlots = [];
    this.slotCount = 0;
    this.head = this.tail = NONE;
    this.count = 0;
    this.arenaEnd = 0;
    this.garbage = 0;
  }

  // ── index ───────────────────────────────────────────────────────────────────
  private find(userId: string): number {
    const ascii = isAscii(userId);
    const bytes = ascii ? null : utf8(userId);
    const h = ascii ? hashAscii(userId) : hashBytes(bytes!, bytes!.length);
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.table[i];
      if (entry === EMPTY) return NONE;
      const slot = entry - 1;
      if (ascii ? this.idEqualsAscii(slot, userId) : this.idEqualsBytes(slot, bytes!)) return slot;
    }
  }

  private insertIndex(slot: number, hash: number): void {
    let i = hash & this.mask;
    while (this.table[i] !== EMPTY) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
  }

  /** Backward-shift deletion keeps probe sequences intact without tombstones. */
  private removeIndex(slot: number): void {
    const mask = this.mask;
    let i = this.slotHash(slot) & mask;
    while (this.table[i] !== slot + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const entry = this.table[j];
      if (entry === EMPTY) break;
      const home = this.slotHash(entry - 1) & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        this.table[i] = entry;
        i = j;
      }
    }
    this.table[i] = EMPTY;
  }

  private slotHash(slot: number): number {
    const at = this.offsets[slot];
    const length = this.arena[at] | (this.arena[at + 1] << 8);
    return hashBytes(this.arena, length, at + 2);
  }

  private idEqualsAscii(slot: number, id: string): boolean {
    const a = this.arena;
    const at = this.offsets[slot];
    const length = a[at] | (a[at + 1] << 8);
    if (length !== id.length) return false;
    for (let k = 0; k < length; k++) if (a[at + 2 + k] !== id.charCodeAt(k)) return false;
    return true;
  }

  private idEqualsBytes(slot: number, id: Uint8Array): boolean {
    const a = this.arena;
    const at = this.offsets[slot];
    const length = a[at] | (a[at + 1] << 8);
    if (length !== id.length) return false;
    for (let k = 0; k < length; k++) if (a[at + 2 + k] !== id[k]) return false;
    return true;
  }

  // ── slots and recency ─────────────────────────────────────────────────────────
  private allocateSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    if (this.slotCount === this.offsets.length) this.growSlots();
    return this.slotCount++;
  }

  private growSlots(): void {
    const size = Math.min(this.maxUsers, this.offsets.length * 2);
    this.offsets = grow(this.offsets, size);
    this.prev = grow(this.prev, size);
    this.next = grow(this.next, size);
    const tableSize = tableSizeFor(size);
    if (tableSize > this.table.length) {
      this.table = new Int32Array(tableSize);
      this.mask = tableSize - 1;
      for (let s = this.head; s !== NONE; s = this.next[s]) this.insertIndex(s, this.slotHash(s));
    }
  }

  private removeSlot(slot: number): void {
    this.removeIndex(slot);
    this.unlink(slot);
    const at = this.offsets[slot];
    this.garbage += this.recordLength(at);
    this.freeSlots.push(slot);
    this.count--;
  }

  private evictTail(): void {
    const slot = this.tail;
    this.hot.delete(this.readId(slot));
    this.removeSlot(slot);
  }

  private touch(slot: number): void {
    if (this.head === slot) return;
    this.unlink(slot);
    this.linkFront(slot);
  }

  private linkFront(slot: number): void {
    this.prev[slot] = NONE;
    this.next[slot] = this.head;
    if (this.head !== NONE) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === NONE) this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p !== NONE) this.next[p] = n;
    else this.head = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail = p;
  }

  private remember(userId: string, entry: HotEntry): void {
    if (this.hot.size >= this.maxHot && !this.hot.has(userId)) {
      // Oldest inserted goes first; a hot user is re-inserted on its next miss.
      const oldest = this.hot.keys().next();
      if (!oldest.done) this.hot.delete(oldest.value);
    }
    this.hot.set(userId, entry);
  }

  // ── arena ───────────────────────────────────────────────────────────────────
  /** ASCII ids are written as they are; others as UTF-8 bytes. */
  private encodeId(userId: string): string | Uint8Array {
    const id = isAscii(userId) ? userId : utf8(userId);
    if (id.length === 0 || id.length > MAX_ID_BYTES) {
      throw new RangeError(`user id must be 1 to ${MAX_ID_BYTES} bytes`);
    }
    return id;
  }

  private writeRecord(id: string | Uint8Array, record: ConsentRecord): number {
    // Upper bound: 2 + id + 2 + version (up to 8 varint bytes) + per choice (2 + up to 5 varint bytes).
    this.reserve(2 + id.length + 2 + 8 + 7 * record.choices.length);
    const a = this.arena;
    const at = this.arenaEnd;
    a[at] = id.length & 0xff;
    a[at + 1] = id.length >>> 8;
    if (typeof id === 'string') for (let k = 0; k < id.length; k++) a[at + 2 + k] = id.charCodeAt(k);
    else a.set(id, at + 2);
    let o = at + 2 + id.length;
    const header = (record.choices.length << 1) | (record.gpc ? 1 : 0);
    a[o++] = header & 0xff;
    a[o++] = header >>> 8;
    o = writeVarint(a, o, versionOf(record.version));
    for (const [flowKey, choice] of record.choices) {
      const fid = this.internFlow(flowKey);
      a[o++] = fid & 0xff;
      a[o++] = fid >>> 8;
      // Zigzag, then LEB128: a choice at a small version takes one byte.
      const encoded = encodeChoice(choice);
      o = writeVarint(a, o, encoded >= 0 ? encoded * 2 : -encoded * 2 - 1);
    }
    this.arenaEnd = o;
    return at;
  }

  private readRecord(slot: number): ConsentRecord {
    const a = this.arena;
    const at = this.offsets[slot];
    let o = at + 2 + (a[at] | (a[at + 1] << 8));
    const header = a[o] | (a[o + 1] << 8);
    const read = readVarint(a, o + 2);
    const version = read.value;
    o = read.end;
    const choices: (readonly [string, ConsentChoice])[] = [];
    for (let k = header >>> 1; k > 0; k--) {
      const fid = a[o] | (a[o + 1] << 8);
      const z = readVarint(a, o + 2);
      o = z.end;
      const encoded = z.value % 2 === 0 ? z.value / 2 : -(z.value + 1) / 2;
      choices.push([this.flowKeys[fid], decodeChoice(encoded)]);
    }
    return { choices, gpc: (header & 1) === 1, version };
  }

  private readId(slot: number): string {
    const at = this.offsets[slot];
    const length = this.arena[at] | (this.arena[at + 1] << 8);
    return fromUtf8(this.arena, at + 2, at + 2 + length);
  }

  private recordLength(at: number): number {
    const a = this.arena;
    let o = at + 2 + (a[at] | (a[at + 1] << 8));
    const header = a[o] | (a[o + 1] << 8);
    o += 2;
    while (a[o++] >= 0x80);
    for (let k = header >>> 1; k > 0; k--) {
      o += 2;
      while (a[o++] >= 0x80);
    }
    return o - at;
  }

  /** Makes room for `length` more bytes: compacts when half the arena is garbage, else grows. */
  private reserve(length: number): void {
    if (this.arenaEnd + length <= this.arena.length) return;
    const live = this.arenaEnd - this.garbage;
    const needed = live + length;
    const size = needed * 2 <= this.arena.length ? this.arena.length : Math.max(needed * 1.25, 64) | 0;
    const next = new Uint8Array(size);
    let end = 0;
    for (let s = this.head; s !== NONE; s = this.next[s]) {
      const at = this.offsets[s];
      const n = this.recordLength(at);
      next.set(this.arena.subarray(at, at + n), end);
      this.offsets[s] = end;
      end += n;
    }
    this.arena = next;
    this.arenaEnd = end;
    this.garbage = 0;
  }

  private internFlow(flowKey: string): number {
    let fid = this.flowIds.get(flowKey);
    if (fid === undefined) {
      if (this.flowKeys.length > MAX_FLOW_KEYS) throw new RangeError(`more than ${MAX_FLOW_KEYS + 1} flow keys`);
      fid = this.flowKeys.length;
      this.flowKeys.push(flowKey);
      this.flowIds.set(flowKey, fid);
    }
    return fid;
  }
}

/** A state version is a non-negative safe integer; anything else is stored as 0. */
function versionOf(version: number | undefined): number {
  return version !== undefined && Number.isSafeInteger(version) && version > 0 ? version : 0;
}

/** LEB128 of a non-negative safe integer; returns the offset after it. */
function writeVarint(a: Uint8Array, o: number, value: number): number {
  let z = value;
  while (z >= 0x80) {
    a[o++] = (z & 0x7f) | 0x80;
    z = Math.floor(z / 128);
  }
  a[o++] = z;
  return o;
}

/** Reused result of `readVarint` (the cache is single-threaded; read it before the next call). */
const varint = { value: 0, end: 0 };

function readVarint(a: Uint8Array, from: number): { readonly value: number; readonly end: number } {
  let o = from;
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = a[o++];
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte >= 0x80);
  varint.value = value;
  varint.end = o;
  return varint;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function tableSizeFor(slots: number): number {
  let size = 16;
  while (size < slots * 2) size *= 2;
  return size;
}

function grow(array: Int32Array, size: number): Int32Array {
  const next = new Int32Array(size);
  next.set(array);
  return next;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** FNV-1a over the UTF-8 bytes, mixed (ASCII strings hash their code units, which are the same). */
function hashAscii(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

function hashBytes(bytes: Uint8Array, length: number, from = 0): number {
  let h = 0x811c9dc5;
  for (let i = from; i < from + length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return mix(h);
}

/** murmur3's finalizer: spreads FNV's clustered low bits (linear probing uses those). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** UTF-8 of `s`, a lone surrogate as U+FFFD (as TextEncoder, which core cannot assume typed). */
function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** The string of well-formed UTF-8 `a[from..to)` (as written by `utf8`). */
function fromUtf8(a: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; ) {
    const b = a[i];
    let c: number;
    let n: number;
    if (b < 0x80) [c, n] = [b, 1];
    else if (b < 0xe0) [c, n] = [((b & 0x1f) << 6) | (a[i + 1] & 0x3f), 2];
    else if (b < 0xf0) [c, n] = [((b & 0x0f) << 12) | ((a[i + 1] & 0x3f) << 6) | (a[i + 2] & 0x3f), 3];
    else [c, n] = [((b & 0x07) << 18) | ((a[i + 1] & 0x3f) << 12) | ((a[i + 2] & 0x3f) << 6) | (a[i + 3] & 0x3f), 4];
    i += n;
    s += String.fromCodePoint(c);
  }
  return s;
}

import type { Choice, ConsentSource } from '../vocabulary.js';

/*
 * The consent API's answers: what `PUT /api/v1/me/preferences` (and the admin and service
 * routes that record choices) return, a user's history, and a demo login.
 */

export interface ConsentEventResponse {
  id: number;
  seq: number;
  flowKey: string | null;
  choice: Choice;
  source: ConsentSource;
  flowVersion: number | null;
  noticeHash: string | null;
  actor: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface WriteResult {
  userId: string;
  /** The user's consent state version after the write. */
  version: number;
  /** The events recorded (for a replayed idempotent request: those recorded the first time). */
  events: ConsentEventResponse[];
  /** True when an earlier request with the same Idempotency-Key answered this one. */
  replayed: boolean;
}

export interface HistoryPage {
  userId: string;
  version: number;
  /** Newest first. */
  items: ConsentEventResponse[];
  /** Pass as `before` for the next (older) page; null at the oldest. */
  nextBefore: number | null;
}

/** `POST /api/v1/demo/login` (demo mode only). */
export interface DemoLoginResponse {
  userId: string;
  token: string;
  expiresAt: string;
}

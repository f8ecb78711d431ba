/** The consent log's server-side limits (the shared vocabulary lives in @flowgate/core). */

import type { ConsentSource } from '@flowgate/core';

/** Sources an admin or service may record through the API. */
export const API_SOURCES = ['api', 'import', 'feature-activation'] as const satisfies readonly ConsentSource[];
export type ApiSource = (typeof API_SOURCES)[number];

/** `prevHash` of a user's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Most changes in one request (a preference centre has far fewer flows). */
export const MAX_CHANGES_PER_REQUEST = 500;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

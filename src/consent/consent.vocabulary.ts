/** The consent log's closed vocabularies. */

export const CHOICES = ['granted', 'denied'] as const;
export type Choice = (typeof CHOICES)[number];

/**
 * Where a consent event came from: the end user's preference centre, an admin or service
 * calling the API on the user's behalf, the browser's Global Privacy Control signal, an
 * import of choices collected elsewhere, or the host application turning a flow with
 * `activation: feature` on (or off) as the user turns that feature on (or off).
 */
export const CONSENT_SOURCES = ['preference-centre', 'api', 'gpc', 'import', 'feature-activation'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** Sources an admin or service may record through the API. */
export const API_SOURCES = ['api', 'import', 'feature-activation'] as const satisfies readonly ConsentSource[];
export type ApiSource = (typeof API_SOURCES)[number];

/** `prevHash` of a user's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Most changes in one request (a preference centre has far fewer flows). */
export const MAX_CHANGES_PER_REQUEST = 500;

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/**
 * `@flowgate/sdk/internal`: parts the Flowgate server, `@flowgate/nest` and the tests
 * build on. Not a stable API: it may change in any release.
 */
export { callGuarded } from './guard.js';
export { ConsentCache, type ConsentCacheOptions, type ConsentRecord } from './consent-cache.js';
export { redactPayload } from './redact.js';
export { AuditBuffer } from './reporter.js';
export { countInstall, installedCount, scopeStorage } from './egress/scope.js';
export { bodyKindOf, pairsToPayload, personalHeaders, redactPairs, removedHeaders, toSearchParams, type Pair } from './adapters/body.js';

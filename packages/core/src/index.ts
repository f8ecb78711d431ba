/**
 * `@flowgate/core`: the decision engine, the domain vocabulary and the wire contracts,
 * shared by the Flowgate server, its web client and every guard. Pure: no I/O, no clock,
 * no dependencies.
 */
export * from './vocabulary.js';
export * from './engine/index.js';
export * from './contracts/audit.js';
export * from './contracts/change-feed.js';
export * from './contracts/consent.js';
export * from './contracts/errors.js';
export * from './contracts/graph.js';
export * from './contracts/impact.js';
export * from './contracts/policy.js';
export * from './contracts/preferences.js';
export { ConsentCache, type ConsentCacheOptions, type ConsentRecord } from './consent-cache.js';

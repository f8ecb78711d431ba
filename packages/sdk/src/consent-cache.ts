/** The compact consent cache lives in `@flowgate/core` (one encoding, shared with the server). */
export { ConsentCache, type ConsentCacheOptions, type ConsentRecord } from '@flowgate/core';

import fc from 'fast-check';
import type { PolicyMap } from '@flowgate/core';

/*
 * The map, consents and payloads the verdict fast-path properties share (guard-wrap.spec.ts,
 * guard-fetch-gate.spec.ts): an opt-out and an opt-in flow to one vendor, a user who opted in,
 * one who opted out, and payloads over their fields. Test-only: left out of the build.
 */
export const MAP: PolicyMap = {
  version: 3,
  fields: [
    { key: 'user.contact.email', paths: ['email'], sensitivity: 'personal' },
    { key: 'user.name', paths: ['name'], sensitivity: 'personal' },
    { key: 'app.page', paths: ['page', 'project.name'], sensitivity: 'none' },
  ],
  subprocessors: [{ key: 'vendor' }],
  purposes: [{ key: 'support' }, { key: 'marketing' }],
  flows: [
    { key: 'vendor.support', subprocessor: 'vendor', purpose: 'support', mode: 'opt-out', legalBasis: 'legitimate-interests', version: 1, fields: [{ key: 'user.contact.email', since: 1 }, { key: 'app.page', since: 1 }], excludedFields: [] },
    { key: 'vendor.marketing', subprocessor: 'vendor', purpose: 'marketing', mode: 'opt-in', legalBasis: 'consent', version: 1, fields: [{ key: 'user.contact.email', since: 1 }, { key: 'user.name', since: 1 }], excludedFields: [] },
  ],
};
export const CONSENTS = {
  ada: { 'vendor.marketing': { granted: true, version: 1 } },
  bob: { 'vendor.support': { granted: false, version: 1 } },
};

const value = fc.oneof(fc.constantFrom('Ada', 'ada@example.com', '/p/1', 'x'), fc.integer({ min: 0, max: 9 }));
/** Plain payloads over the map's paths (and one it does not know). */
export const plainPayloadArb = fc.dictionary(fc.constantFrom('email', 'name', 'page', 'other', 'project'), fc.oneof(value, fc.record({ name: value })), { maxKeys: 3 });

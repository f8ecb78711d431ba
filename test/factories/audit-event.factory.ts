/**
 * One audit record as a guard reports it (`POST /api/v1/audit/events`): a blocked card
 * number to vendor-a, counted once, unless `overrides` say otherwise.
 */
export const auditEvent = (overrides: Record<string, unknown> = {}) => ({
  kind: 'blocked',
  subprocessor: 'vendor-a',
  purpose: 'email-delivery',
  field: 'user.payment.card',
  reason: 'excluded',
  mode: 'enforce',
  policyVersion: 1,
  count: 1,
  firstAt: '2026-01-01T10:00:00.000Z',
  lastAt: '2026-01-01T10:00:01.000Z',
  ...overrides,
});

/**
 * End-user ids are the host application's: opaque strings of 1–128 letters, digits and
 * `. _ : @ + -` (so `42`, `usr_8f3a`, `ada@example.com` all work and fit in a URL path).
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9._:@+-]{1,128}$/;
export const USER_ID_MESSAGE = 'must be 1 to 128 letters, digits or . _ : @ + -';

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}

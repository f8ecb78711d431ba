/** Validation messages shared by the DTOs, so a rule reads the same everywhere. */
export const KEY_MESSAGE =
  'must be lower-case dotted segments of letters, digits and dashes (e.g. user.contact.email)';
export const SLUG_MESSAGE = 'must be a lower-case slug of letters, digits and dashes (e.g. google-cloud)';

export function oneOf(values: readonly string[]): string {
  return `must be one of ${values.join(', ')}`;
}

import { ValidateBy, type ValidationOptions } from 'class-validator';
import { MAX_TEXT_LENGTH } from '@flowgate/core';

/** A language tag as the preference centre reads it: `de`, `fr`, `pt-BR`. */
export const LANGUAGE_TAG = /^[a-z]{2,3}(?:-[A-Z]{2})?$/;
export const MAX_TRANSLATIONS = 30;

/** Why `value` is not a set of translations (`{ de: "…", fr: "…" }`), or null when it is. */
export function translationsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object of translations by language, e.g. { de: "…", fr: "…" }';
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_TRANSLATIONS) return `must have at most ${MAX_TRANSLATIONS} languages`;
  for (const [lang, text] of entries) {
    if (!LANGUAGE_TAG.test(lang)) return `"${lang}" is not a language tag (e.g. de, fr, pt-BR)`;
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT_LENGTH) {
      return `${lang}: must be a text of 1 to ${MAX_TEXT_LENGTH} characters`;
    }
  }
  return null;
}

export function IsTranslations(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTranslations',
      validator: {
        validate: (value: unknown) => translationsProblem(value) === null,
        defaultMessage: (args) => translationsProblem(args?.value) ?? 'must be translations by language',
      },
    },
    options,
  );
}

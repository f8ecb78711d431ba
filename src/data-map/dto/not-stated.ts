import { ValidateBy, type ValidationOptions } from 'class-validator';
import { NOT_STATED } from '@flowgate/core';

/**
 * A list of strings, each matching `pattern`, or the explicit `not-stated`: the company
 * has not said (distinct from `[]`, "none"). One rule, so the message names the property.
 */
export function IsListOrNotStated(
  rule: { maxItems: number; pattern: RegExp; maxLength: number; what: string },
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isListOrNotStated',
      validator: {
        validate: (value: unknown) =>
          value === NOT_STATED ||
          (Array.isArray(value) &&
            value.length <= rule.maxItems &&
            value.every((v) => typeof v === 'string' && v.length <= rule.maxLength && rule.pattern.test(v))),
        defaultMessage: () =>
          `must be "${NOT_STATED}" or a list of at most ${rule.maxItems} entries; each ${rule.what}`,
      },
    },
    options,
  );
}

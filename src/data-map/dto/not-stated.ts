import { ArrayMaxSize, IsArray, IsString, Matches, MaxLength, ValidateIf, type ValidationOptions } from 'class-validator';
import { NOT_STATED } from '@flowgate/core';

/**
 * A list of strings, each matching `pattern`, or the explicit `not-stated`: the company
 * has not said (distinct from `[]`, "none"). `not-stated` skips the list rules; anything
 * else is checked as a list with the usual per-element rules, so a bad element is named by
 * its index and value (`locations[1]: … (got "us")`) and the size limit is known to the
 * pre-validation shape check.
 */
export function IsListOrNotStated(
  rule: { maxItems: number; pattern: RegExp; maxLength: number; what: string },
  options?: ValidationOptions,
): PropertyDecorator {
  const decorators: PropertyDecorator[] = [
    ValidateIf((_object, value) => value !== NOT_STATED, options),
    IsArray({ ...options, message: `must be "${NOT_STATED}" or a list` }),
    ArrayMaxSize(rule.maxItems, options),
    IsString({ ...options, each: true }),
    MaxLength(rule.maxLength, { ...options, each: true }),
    Matches(rule.pattern, { ...options, each: true, message: `each ${rule.what}` }),
  ];
  return (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };
}

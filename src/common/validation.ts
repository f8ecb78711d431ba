import type { ValidationError } from 'class-validator';
import type { Problem } from './domain-error';

/**
 * Flattens class-validator's error tree into problems whose paths read like the input:
 * `flows[3].mode: must be one of required, opt-out, opt-in`.
 */
export function toProblems(errors: ValidationError[], parent = ''): Problem[] {
  const problems: Problem[] = [];
  for (const error of errors) {
    const path = joinPath(parent, error.property);
    for (const [rule, message] of Object.entries(error.constraints ?? {})) {
      problems.push({
        path,
        message:
          rule === 'whitelistValidation'
            ? 'is not a known property'
            : stripPropertyName(message, error.property),
      });
    }
    if (error.children?.length) problems.push(...toProblems(error.children, path));
  }
  return problems;
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/** class-validator messages start with the property name ("mode must be …"); the path says it already. */
function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

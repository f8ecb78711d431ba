import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage, ValidationTypes, type ValidationError } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import type { Problem } from './domain-error';
import { DEFAULT_JSON_LIMITS, PROTOTYPE_KEYS } from './json-scan';

/** A DTO class (class-validator and class-transformer key their metadata by constructor). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type DtoClass = Function;

/** Problems reported for one input at most; the rest are summarised in one line. */
export const MAX_PROBLEMS = 100;
/** Bad elements named per array at most. */
const MAX_ELEMENT_PROBLEMS = 10;

/**
 * Flattens class-validator's error tree into problems whose paths read like the input:
 * `flows[3].mode: must be one of required, opt-out, opt-in`. A missing property is "is
 * required" (not every rule it fails); a bad element of an array is named by index and
 * value (`locations[1]: must be … (got "us")`). At most `MAX_PROBLEMS`.
 */
export function toProblems(errors: ValidationError[], parent = ''): Problem[] {
  const problems: Problem[] = [];
  let more = 0;
  const add = (p: Problem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else more++;
  };
  const walk = (list: ValidationError[], at: string) => {
    for (const error of list) {
      const path = joinPath(at, error.property);
      const rules = Object.entries(error.constraints ?? {});
      if (rules.length > 0 && error.value === undefined && !rules.some(([rule]) => rule === 'whitelistValidation')) {
        add({ path, message: 'is required' });
      } else {
        const elements = Array.isArray(error.value) ? badElements(error, rules, path) : new Map<string, Problem[]>();
        for (const [rule, message] of rules) {
          if (rule === 'whitelistValidation') add({ path, message: 'is not a known property' });
          else if (elements.has(rule)) elements.get(rule)!.forEach(add);
          else add({ path, message: stripPropertyName(message, error.property) });
        }
      }
      if (error.children?.length) walk(error.children, path);
    }
  };
  walk(errors, parent);
  if (more > 0) problems.push({ path: '', message: `… and ${more} more problems` });
  return problems;
}

/** Rules that say what type an element must be: an element of the wrong type is named for that alone. */
const TYPE_RULES = new Set(['isString', 'isInt', 'isBoolean', 'isNumber', 'isObject']);

/**
 * The elements of an array that fail its `each: true` rules, by index and value, per rule
 * (only rules with such elements). An element of the wrong type is named once, for its type.
 */
function badElements(error: ValidationError, rules: Array<[string, string]>, path: string): Map<string, Problem[]> {
  const found = new Map<string, Problem[]>();
  const target = error.target?.constructor;
  if (!target) return found;
  const storage = getMetadataStorage();
  const metas = storage
    .getTargetValidationMetadatas(target, '', true, false)
    .filter((m) => m.propertyName === error.property && m.each && m.type === ValidationTypes.CUSTOM_VALIDATION);
  const checks = rules.flatMap(([rule, message]) => {
    for (const meta of metas) {
      const constraint = storage.getTargetValidatorConstraints(meta.constraintCls).find((c) => c.name === rule);
      if (constraint) return [{ rule, text: elementMessage(message), meta, constraint }];
    }
    return [];
  });
  checks.sort((a, b) => Number(TYPE_RULES.has(b.rule)) - Number(TYPE_RULES.has(a.rule)));
  const values = error.value as unknown[];
  const wrongType = new Set<number>();
  for (const { rule, text, meta, constraint } of checks) {
    const out: Problem[] = [];
    let named = false;
    for (let i = 0; i < values.length && out.length < MAX_ELEMENT_PROBLEMS; i++) {
      if (wrongType.has(i)) {
        named = true; // this element's problem is its type, named already
        continue;
      }
      const value = values[i];
      const ok = constraint.instance.validate(value, {
        value,
        constraints: meta.constraints,
        targetName: target.name,
        object: error.target!,
        property: error.property,
      });
      if (ok === true) continue;
      if (TYPE_RULES.has(rule)) wrongType.add(i);
      out.push({ path: `${path}[${i}]`, message: `${text} (got ${show(value)})` });
    }
    if (out.length > 0 || named) found.set(rule, out);
  }
  return found;
}

/** "each location must be …", "each value in paths must be …" → "must be …". */
function elementMessage(message: string): string {
  return message.replace(/^each value in \S+ /, '').replace(/^each [\w -]+? (?=must |should |has |is )/, '');
}

/** A value as it appeared in the input, shortened. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/** class-validator messages start with the property name ("mode must be …"); the path says it already. */
function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * What must hold before class-transformer and class-validator see an input, so their work
 * stays proportional to what the DTO allows: every array within its `@ArrayMaxSize`, every
 * element of a nested-DTO array an object, no prototype keys. Walks the DTO's metadata
 * (nested DTOs through their `@Type`), not the input, so it costs O(allowed size).
 */
export function shapeProblems(target: DtoClass, value: unknown, path = '', depth = 0): Problem[] {
  const problems: Problem[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > DEFAULT_JSON_LIMITS.maxDepth) {
    return problems;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (PROTOTYPE_KEYS.has(key)) problems.push({ path: joinPath(path, key), message: 'is not a known property' });
  }
  const metas = validationMetadata(target);
  for (const [property, list] of metas) {
    const v = Object.hasOwn(record, property) ? record[property] : undefined;
    if (!Array.isArray(v)) continue;
    const at = joinPath(path, property);
    const max = list.find((m) => m.name === 'arrayMaxSize')?.constraints[0] as number | undefined;
    if (max !== undefined && v.length > max) {
      problems.push({ path: at, message: `must contain no more than ${max} elements (got ${v.length})` });
      continue;
    }
    if (!list.some((m) => m.type === ValidationTypes.NESTED_VALIDATION)) continue;
    const nested = defaultMetadataStorage.findTypeMetadata(target, property)?.typeFunction() as DtoClass | undefined;
    if (!nested) continue;
    let bad = 0;
    v.forEach((element, i) => {
      if (typeof element !== 'object' || element === null || Array.isArray(element)) {
        if (bad++ < MAX_ELEMENT_PROBLEMS) problems.push({ path: `${at}[${i}]`, message: `must be an object (got ${show(element)})` });
      } else {
        problems.push(...shapeProblems(nested, element, `${at}[${i}]`, depth + 1));
      }
      if (problems.length > MAX_PROBLEMS) problems.length = MAX_PROBLEMS;
    });
  }
  return problems.slice(0, MAX_PROBLEMS);
}

const metadataCache = new WeakMap<DtoClass, Map<string, ValidationMetadata[]>>();

function validationMetadata(target: DtoClass): Map<string, ValidationMetadata[]> {
  let byProperty = metadataCache.get(target);
  if (!byProperty) {
    byProperty = new Map();
    for (const m of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
      const list = byProperty.get(m.propertyName) ?? [];
      list.push(m);
      byProperty.set(m.propertyName, list);
    }
    metadataCache.set(target, byProperty);
  }
  return byProperty;
}

/** Whether class-validator knows rules for `target` (a DTO class). */
export function hasRules(target: DtoClass): boolean {
  return validationMetadata(target).size > 0;
}

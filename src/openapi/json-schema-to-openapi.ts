import type { SchemaObject } from '@nestjs/swagger';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The keywords a published JSON Schema may use here: all of them mean the same in OpenAPI 3.0. */
const SAME = new Set([
  'type',
  'title',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'oneOf',
  'anyOf',
  'allOf',
  'default',
  'examples',
]);

/**
 * A JSON Schema (2020-12) file as OpenAPI 3.0 schemas, so a schema published for readers
 * (`docs/subprocessors.schema.json`) is also the one in the API document, not a copy.
 * `oneOf: [{type: null}, X]` and `type: [X, null]` become `nullable`, `const` an `enum`
 * of one, and `#/$defs/name` a reference to `components.schemas[names[name]]`. A keyword
 * that OpenAPI 3.0 does not have throws, so the file cannot drift into what the API
 * document cannot say.
 */
export function jsonSchemaToOpenApi(
  root: object,
  rootName: string,
  defNames: Record<string, string>,
): Record<string, SchemaObject> {
  const doc = root as JsonObject;
  const ref = (target: string): string => {
    const match = /^#\/\$defs\/([^/]+)$/.exec(target);
    if (match && defNames[match[1]]) return `#/components/schemas/${defNames[match[1]]}`;
    if (target === '#') return `#/components/schemas/${rootName}`;
    throw new Error(`${rootName}: cannot convert the reference ${target}`);
  };
  const convert = (node: Json, at: string): SchemaObject => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new Error(`${at}: a schema must be an object`);
    if (typeof node.$ref === 'string') return { $ref: ref(node.$ref) } as SchemaObject;
    const out: Record<string, unknown> = {};
    let nullable = false;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$schema' || key === '$id' || key === '$defs' || key === '$comment') continue;
      if (key === 'const') {
        out.enum = [value];
        if (node.type === undefined && typeof value === 'string') out.type = 'string';
      } else if (key === 'type' && Array.isArray(value)) {
        const types = value.filter((t) => t !== 'null');
        nullable ||= types.length < value.length;
        if (types.length !== 1) throw new Error(`${at}.type: OpenAPI 3.0 takes one type (and null), got ${JSON.stringify(value)}`);
        out.type = types[0];
      } else if (key === 'oneOf' || key === 'anyOf' || key === 'allOf') {
        const options = (value as Json[]).filter((o) => !(typeof o === 'object' && o !== null && !Array.isArray(o) && o.type === 'null' && Object.keys(o).length === 1));
        if (key !== 'allOf') nullable ||= options.length < (value as Json[]).length;
        if (options.length === 1 && key !== 'allOf' && Object.keys(node).length === 1) return withNull(convert(options[0], `${at}.${key}[0]`), true);
        out[key] = options.map((o, i) => convert(o, `${at}.${key}[${i}]`));
      } else if (key === 'properties') {
        out.properties = Object.fromEntries(Object.entries(value as JsonObject).map(([k, v]) => [k, convert(v, `${at}.${k}`)]));
      } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
        out[key] = convert(value, `${at}.${key}`);
      } else if (key === 'enum') {
        const values = value as Json[];
        nullable ||= values.includes(null);
        out.enum = values;
      } else if (SAME.has(key)) {
        out[key] = value;
      } else {
        throw new Error(`${at}: OpenAPI 3.0 has no keyword "${key}"`);
      }
    }
    return withNull(out as SchemaObject, nullable);
  };
  const schemas: Record<string, SchemaObject> = { [rootName]: convert(doc, rootName) };
  const defs = (doc.$defs ?? {}) as JsonObject;
  for (const [name, def] of Object.entries(defs)) {
    if (!defNames[name]) throw new Error(`${rootName}: no component name for $defs/${name}`);
    schemas[defNames[name]] = convert(def, `${rootName}.$defs.${name}`);
  }
  return schemas;
}

/** OpenAPI 3.0's `nullable`; an enum lists null too, or validators refuse it. */
function withNull(schema: SchemaObject, nullable: boolean): SchemaObject {
  if (!nullable) return schema;
  if ('$ref' in schema) return { allOf: [schema], nullable: true } as SchemaObject;
  return { ...schema, nullable: true, ...(schema.enum && !schema.enum.includes(null) ? { enum: [...schema.enum, null] } : {}) };
}

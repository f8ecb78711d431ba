import type { SchemaObject } from '@nestjs/swagger';
import subprocessorPageSchema from '../../docs/subprocessors.schema.json';
import { jsonSchemaToOpenApi } from './json-schema-to-openapi';

/**
 * The response bodies of the API, as OpenAPI 3.0 schemas, under `components.schemas`. They
 * state what every response has (required properties and their types); the OpenAPI contract
 * test (`test/e2e/openapi.e2e-spec.ts`) validates real responses of every route against
 * them, so they cannot drift from the code unnoticed.
 */
const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer' };
const bool: SchemaObject = { type: 'boolean' };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };
const strings: SchemaObject = { type: 'array', items: str };
/** OpenAPI 3.0's `nullable`; an enum lists null too, or validators refuse it. */
const nullable = (schema: SchemaObject): SchemaObject => ({
  ...schema,
  nullable: true,
  ...(schema.enum ? { enum: [...schema.enum, null] } : {}),
});
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: SchemaObject | { $ref: string }): SchemaObject => ({ type: 'array', items });
const oneOfStrings = (...values: string[]): SchemaObject => ({ type: 'string', enum: values });
const object = (properties: Record<string, SchemaObject | { $ref: string }>, optional: string[] = []): SchemaObject => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
});
const page = (item: string): SchemaObject =>
  object({ items: arrayOf(ref(item)), total: int, limit: int, offset: int });

const MODE = oneOfStrings('required', 'opt-out', 'opt-in');
const LEGAL_BASIS = oneOfStrings('contract', 'legitimate-interests', 'consent', 'legal-obligation');
const SENSITIVITY = oneOfStrings('personal', 'special', 'pseudonymous', 'none');
const REGION = oneOfStrings('eea', 'third-country');
const CHOICE = oneOfStrings('granted', 'denied');
const REASON = oneOfStrings(
  'undeclared',
  'excluded',
  'opted-out',
  'not-opted-in',
  'no-flow',
  'stale-consent',
  'policy-unavailable',
);
const KIND_DIFF = object({
  added: strings,
  changed: arrayOf(object({ key: str, properties: strings })),
  removed: strings,
});

/** An object with exactly these properties (the transparency routes: validated strictly). */
const closed = (properties: Record<string, SchemaObject | { $ref: string }>, optional: string[] = []): SchemaObject => ({
  ...object(properties, optional),
  additionalProperties: false,
});

/** The public page's JSON: the published schema itself, converted (one source of truth). */
const PAGE = jsonSchemaToOpenApi(subprocessorPageSchema, 'PublicSubprocessorList', {
  subprocessor: 'PublicSubprocessor',
  purpose: 'PublicPurpose',
  notice: 'ChangeNotice',
});

const WEBHOOK = {
  id: int,
  url: str,
  active: bool,
  createdAt: dateTime,
};

const SCHEMAS = {
  PublicSubprocessorList: PAGE.PublicSubprocessorList,
  PublicSubprocessor: PAGE.PublicSubprocessor,
  PublicPurpose: PAGE.PublicPurpose,
  ChangeNotice: PAGE.ChangeNotice,
  Webhook: closed(WEBHOOK),
  WebhookCreated: {
    ...closed({ ...WEBHOOK, secret: str }),
    description: 'The new subscription, with its signing secret: shown this once.',
  },
  WebhookDelivery: closed({
    id: int,
    noticeId: int,
    status: oneOfStrings('pending', 'delivered', 'failed'),
    attempts: int,
    lastStatus: nullable(int),
    lastError: nullable(str),
    nextAttemptAt: nullable(dateTime),
    deliveredAt: nullable(dateTime),
  }),
  FlowImpact: closed({
    flow: str,
    change: oneOfStrings('added', 'removed', 'changed'),
    properties: strings,
    users: closed({ lose: int, gain: int, reconsent: int }),
    calls: closed({
      unblocked: int,
      perDay: { type: 'number' },
      reported: int,
      changed: int,
      newlyBlocked: int,
      newlyAllowed: int,
      changedPerDay: { type: 'number' },
    }),
  }),
  ImpactReport: {
    ...closed({
      days: int,
      knownUsers: int,
      reportedCalls: int,
      note: str,
      flows: arrayOf(ref('FlowImpact')),
      diff: ref('ManifestDiff'),
      warnings: arrayOf(ref('Problem')),
    }),
    description: 'A dry-run import: the diff, the warnings and, per changed flow, the users and recent calls whose outcome would change.',
  },
  RopaRow: closed({
    purpose: str,
    purposeKey: str,
    description: str,
    role: str,
    dataSubjects: str,
    personalData: str,
    recipients: str,
    thirdCountryTransfers: str,
    legalBasis: str,
    retention: str,
  }),
  Ropa: closed({ controller: str, generatedFrom: str, rows: arrayOf(ref('RopaRow')) }),
  Problem: object({ path: str, message: str }),
  ErrorBody: {
    ...object({ statusCode: int, code: str, message: str, details: arrayOf(ref('Problem')) }, ['details']),
    description: 'Every error: `details`, when present, names each problem by its path in the input.',
  },
  Health: object({
    // degraded: a read replica is down (reads go to the primary); still serving.
    status: oneOfStrings('ok', 'degraded'),
    dataMapVersion: int,
    database: oneOfStrings('sqlite', 'postgres'),
    // listening: PostgreSQL's LISTEN connection is up; null on SQLite, which tails the log.
    changeLog: object({ live: bool, lastId: int, listening: nullable(bool) }),
    // DATABASE_REPLICA_URL's replicas, asked afresh; [] without any.
    replicas: arrayOf(
      object({
        name: str,
        state: oneOfStrings('ok', 'down'),
        replayLsn: nullable(str),
        lagBytes: nullable(int),
        replayDelayMs: nullable(int),
        error: nullable(str),
      }),
    ),
  }),
  Readiness: object({
    status: oneOfStrings('ready', 'starting'),
    database: oneOfStrings('sqlite', 'postgres'),
    migrated: bool,
    changeLog: object({ caughtUp: bool, live: bool, lastId: int }),
  }),

  ServiceToken: object({
    id: int,
    name: str,
    prefix: str,
    createdAt: dateTime,
    revokedAt: nullable(dateTime),
    createdBy: nullable(str),
    revokedBy: nullable(str),
  }),
  CreatedServiceToken: {
    ...object({
      id: int,
      name: str,
      prefix: str,
      createdAt: dateTime,
      revokedAt: nullable(dateTime),
      createdBy: nullable(str),
      revokedBy: nullable(str),
      token: str,
    }),
    description: 'The token itself is in this response only.',
  },
  ServiceTokenList: object({ items: arrayOf(ref('ServiceToken')) }),
  AdminKey: object({
    id: int,
    name: str,
    role: oneOfStrings('viewer', 'editor', 'owner'),
    prefix: str,
    createdAt: dateTime,
    createdBy: str,
    revokedAt: nullable(dateTime),
    revokedBy: nullable(str),
  }),
  CreatedAdminKey: {
    ...object({
      id: int,
      name: str,
      role: oneOfStrings('viewer', 'editor', 'owner'),
      prefix: str,
      createdAt: dateTime,
      createdBy: str,
      revokedAt: nullable(dateTime),
      revokedBy: nullable(str),
      key: str,
    }),
    description: 'The key itself is in this response only.',
  },
  AdminKeyList: object({ items: arrayOf(ref('AdminKey')) }),
  MapHistory: object({
    items: arrayOf(object({ version: int, actor: str, changedAt: dateTime, diff: ref('ManifestDiff') })),
    nextBefore: nullable(int),
  }),
  DemoLogin: object({ userId: str, token: str, expiresAt: dateTime }),

  Field: object(
    { key: str, name: str, description: str, sensitivity: SENSITIVITY, paths: strings, sentBy: strings },
    ['description'],
  ),
  FieldPage: page('Field'),
  Purpose: object({ key: str, name: str, description: str }, ['description']),
  PurposePage: page('Purpose'),
  Subprocessor: object(
    {
      key: str,
      name: str,
      url: str,
      legalEntity: str,
      address: str,
      locations: strings,
      category: str,
      transferMechanism: str,
      region: REGION,
    },
    ['legalEntity', 'address', 'transferMechanism'],
  ),
  SubprocessorPage: page('Subprocessor'),
  Flow: object(
    {
      key: str,
      subprocessor: str,
      purpose: str,
      mode: MODE,
      legalBasis: LEGAL_BASIS,
      description: str,
      fields: strings,
      excludedFields: strings,
      version: int,
      region: REGION,
      updatedAt: dateTime,
    },
    ['description'],
  ),
  FlowPage: page('Flow'),
  ManifestDiff: object({ fields: KIND_DIFF, purposes: KIND_DIFF, subprocessors: KIND_DIFF, flows: KIND_DIFF }),
  ImportResult: {
    ...object({ applied: bool, version: int, diff: ref('ManifestDiff') }),
    description: 'What the import changed (a dry run: would change), and the map version after it.',
  },

  ConsentEvent: object({
    id: int,
    seq: int,
    /** null for the GPC signal itself, which is about no one flow. */
    flowKey: nullable(str),
    choice: CHOICE,
    source: oneOfStrings('preference-centre', 'api', 'gpc', 'import'),
    flowVersion: nullable(int),
    noticeHash: nullable(str),
    actor: str,
    recordedAt: dateTime,
    prevHash: str,
    hash: str,
  }),
  ConsentHistory: object({ userId: str, version: int, items: arrayOf(ref('ConsentEvent')), nextBefore: nullable(int) }),
  ConsentWriteResult: object({ userId: str, version: int, events: arrayOf(ref('ConsentEvent')), replayed: bool }),
  ConsentVerification: object({
    userId: str,
    version: int,
    ok: bool,
    events: int,
    problems: arrayOf(object({ seq: int, eventId: nullable(int), problem: str })),
  }),
  UserConsents: object({
    userId: str,
    version: int,
    gpc: bool,
    choices: { type: 'object', additionalProperties: object({ granted: bool, version: int }) },
  }),
  Me: object({ userId: str, stateVersion: int, gpc: bool, mapVersion: int }),
  Preferences: object({
    userId: str,
    mapVersion: int,
    stateVersion: int,
    gpc: bool,
    purposes: arrayOf(
      object({
        key: str,
        name: str,
        description: nullable(str),
        flows: arrayOf(
          object({
            key: str,
            version: int,
            mode: MODE,
            legalBasis: LEGAL_BASIS,
            description: nullable(str),
            subprocessor: object({
              key: str,
              name: str,
              url: str,
              legalEntity: nullable(str),
              category: str,
              locations: strings,
              region: REGION,
              transferMechanism: nullable(str),
            }),
            fields: arrayOf(object({ key: str, name: str, sensitivity: SENSITIVITY })),
            excludedFields: arrayOf(object({ key: str, name: str, sensitivity: SENSITIVITY })),
            choice: nullable(object({ value: CHOICE, flowVersion: int, source: str, recordedAt: dateTime })),
            status: oneOfStrings('allowed', 'blocked'),
            reason: nullable(REASON),
            canChange: bool,
            needsReconsent: bool,
            newFields: arrayOf({ type: 'object' }),
            notice: str,
            noticeHash: str,
          }),
        ),
      }),
    ),
  }),
  ConsentReceipt: {
    ...object({
      version: str,
      jurisdiction: str,
      consentTimestamp: int,
      collectionMethod: str,
      consentReceiptID: str,
      language: str,
      piiPrincipalId: str,
      piiControllers: arrayOf(object({ piiController: str, onBehalf: bool })),
      services: arrayOf(object({ service: str, serviceKey: str, purposes: arrayOf({ type: 'object' }) })),
      sensitive: bool,
      spiCat: strings,
      flowgate: object({ issuedAt: dateTime, mapVersion: int, stateVersion: int, gpc: bool }),
    }),
    description: 'A Kantara consent receipt (v1.1) of the user\'s current choices; `?format=jwt` signs it (EdDSA).',
  },
  ReceiptKeys: object({
    keys: arrayOf(object({ kty: oneOfStrings('OKP'), crv: oneOfStrings('Ed25519'), x: str, kid: str, use: str, alg: str })),
  }),

  Decision: object(
    {
      allow: bool,
      reason: nullable(REASON),
      allowedFields: strings,
      blocked: arrayOf(object({ field: str, reason: REASON })),
      flowKey: nullable(str),
      policyVersion: int,
    },
    ['reason', 'flowKey'],
  ),
  DecisionBatch: object({ policyVersion: int, decisions: arrayOf(ref('Decision')) }),
  CompiledPolicy: {
    ...object({
      version: int,
      etag: str,
      map: object({
        version: int,
        fields: arrayOf(object({ key: str, paths: strings, sensitivity: SENSITIVITY })),
        subprocessors: arrayOf(object({ key: str })),
        purposes: arrayOf(object({ key: str })),
        flows: arrayOf(
          object({
            key: str,
            subprocessor: str,
            purpose: str,
            mode: MODE,
            legalBasis: LEGAL_BASIS,
            version: int,
            fields: arrayOf(object({ key: str, since: int })),
            excludedFields: strings,
          }),
        ),
      }),
    }),
    description: 'The policy map the SDKs compile; answered 304 to a matching `If-None-Match`.',
  },

  GraphCatalog: object({
    mapVersion: int,
    organization: nullable(str),
    updatedAt: nullable(dateTime),
    fields: arrayOf(object({ key: str, name: str, sensitivity: SENSITIVITY })),
    subprocessors: arrayOf(object({ key: str, name: str, region: REGION, locations: strings })),
    purposes: arrayOf(object({ key: str, name: str })),
    totals: object({ fields: int, subprocessors: int, purposes: int, flows: int, sentEdges: int }),
  }),
  Graph: object({
    mapVersion: int,
    organization: nullable(str),
    updatedAt: nullable(dateTime),
    query: { type: 'object' },
    nodes: arrayOf(object({ id: str, kind: oneOfStrings('region', 'field', 'subprocessor', 'purpose'), label: str })),
    edges: arrayOf(
      object({ id: str, kind: oneOfStrings('sent', 'excluded', 'purpose'), source: str, target: str, flow: str }),
    ),
    flows: {
      type: 'object',
      additionalProperties: object({ key: str, subprocessor: str, purpose: str, mode: MODE, legalBasis: LEGAL_BASIS }),
    },
    totals: object({ fields: int, subprocessors: int, purposes: int, flows: int, sentEdges: int }),
  }),

  AuditAccepted: { type: 'object', description: 'How many reports were stored.' },
  AuditSummary: object({
    from: dateTime,
    to: dateTime,
    kinds: strings,
    subprocessor: nullable(str),
    total: int,
    dropped: int,
    byKind: arrayOf({ type: 'object' }),
    bySubprocessor: arrayOf({ type: 'object' }),
    byField: arrayOf({ type: 'object' }),
    byReason: arrayOf({ type: 'object' }),
    byService: arrayOf({ type: 'object' }),
  }),
  AuditDrift: object({ from: dateTime, to: dateTime, subprocessor: nullable(str), items: arrayOf({ type: 'object' }) }),
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;

export const RESPONSE_SCHEMAS: Record<SchemaName, SchemaObject> = SCHEMAS;

/** `{ $ref }` to one of the schemas above. */
export function schemaRef(name: SchemaName): { $ref: string } {
  return ref(name);
}

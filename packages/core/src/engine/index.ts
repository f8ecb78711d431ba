/**
 * The decision engine: pure, synchronous, no I/O, no clock; shared by the server and the SDK.
 *
 *   const policy = compilePolicy(map);                          // once per data-map version
 *   const consents = compileConsents(policy, choices, { gpc }); // once per user and policy
 *   const decision = decide(policy, consents, { subprocessor, purpose, fields, payload });
 *   const allowed = allows(policy, consents, request);         // the verdict alone, allocation-free
 *
 * Flow: (subprocessor, purpose); with no purpose, the subprocessor's only flow. None → 'no-flow'.
 * Consent:   | no choice       | granted | denied    | GPC, no choice
 *   required | allow           | allow   | (ignored) | allow
 *   opt-out  | allow           | allow   | opted-out | opted-out
 *   opt-in   | not-opted-in    | allow   | opted-out | not-opted-in
 * Field, first match wins: not sent by the flow → 'excluded' (listed so) or 'undeclared';
 * the flow's own reason; a field scheduled by a change notice → 'not-yet-effective' until
 * `request.at` (the caller's clock) reaches its `effectiveFrom`; opt-in granted at v and
 * field `since` > v → 'stale-consent'. A scheduled flow: 'not-yet-effective' for the flow.
 * Each field asked for is answered in order (a repeated one each time). `allow` iff the
 * flow is allowed and nothing is blocked; `reason` is the flow's, null when it is allowed.
 * Payload: a location matching a field path is that field (its value and array elements,
 * not an object's properties below it); leaves no path declares are blocked 'undeclared'
 * under their normalized path (`to[*].email`); a covered value the classifiers recognise
 * as a kind no covering field carries is blocked 'personal-value'. URL path segments are
 * payload too (`urlPath`): fields through `url:/u/{}/track` templates, personal-looking
 * segments no template holds 'undeclared' (`url:/1`);
 * blocked entries carry the `paths` where they were found. The walk stops at depth 32 and
 * at cycles, blocking what it cannot see. No policy at all: `unavailableDecision`.
 */
export {
  compilePolicy,
  EXCLUDED,
  MAX_PAYLOAD_DEPTH,
  MAX_VERSION,
  PolicyMapError,
  UNDECLARED,
  type Lookup,
  type CompiledFlow,
  type PathNode,
  type Policy,
  type PolicyMap,
  type PolicyMapField,
  type PolicyMapFlow,
  type SubprocessorFlows,
  type UrlTemplate,
} from './policy.js';
export {
  compileConsents,
  decodeChoice,
  EMPTY_CONSENTS,
  encodeChoice,
  type ConsentChoice,
  type ConsentChoices,
  type Consents,
} from './consents.js';
export {
  allows,
  decide,
  fieldMayGo,
  NO_POLICY_VERSION,
  payloadVerdict,
  REASON_CODES,
  unavailableDecision,
  valueGoes,
  valueMisfiled,
  type BlockedField,
  type Verdict,
  type Decision,
  type DecisionRequest,
  type ReasonCode,
} from './decide.js';
export { joinPath } from './payload.js';
export {
  compileEndpoints,
  ENDPOINT_HOST_PATTERN,
  ENDPOINT_PATH_PATTERN,
  matchEndpoint,
  type Endpoints,
  type EndpointTarget,
  type PolicyMapEndpoint,
} from './endpoints.js';
export {
  classifyText,
  classifyValue,
  ibanChecksumValid,
  kindsOfField,
  luhn,
  VALUE_KINDS,
  type ValueKind,
} from './classify.js';

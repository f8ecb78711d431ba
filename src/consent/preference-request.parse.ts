import { KEY_PATTERN } from '@flowgate/core';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { FLOW_KEY_MESSAGE } from './dto/preferences.dto';

/** What `PUT /api/v1/me/preferences/:flowKey` asks for, checked. */
export interface PreferenceRequest {
  flowKey: string;
  granted: boolean;
  flowVersion?: number;
}

const KNOWN = new Set(['granted', 'flowVersion']);

/**
 * The one-flow preference write's input check, by hand: the same rules and messages as
 * `FlowKeyParamDto` and `SetPreferenceDto` (which document them in OpenAPI; a property test
 * holds the two to the same answers), without class-transformer and class-validator, which
 * cost more than the rest of the route's own code on the consent write path.
 */
export function parsePreferenceRequest(flowKey: unknown, body: unknown): PreferenceRequest {
  const problems: Problem[] = [];
  if (typeof flowKey !== 'string') {
    problems.push({ path: 'flowKey', message: 'must be a string' });
  } else {
    if (flowKey.length > 201) problems.push({ path: 'flowKey', message: 'must be shorter than or equal to 201 characters' });
    if (!KEY_PATTERN.test(flowKey)) problems.push({ path: 'flowKey', message: FLOW_KEY_MESSAGE });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    problems.push({ path: '', message: 'the body must be a JSON object' });
    throw new ValidationFailedError(problems);
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!KNOWN.has(key)) problems.push({ path: key, message: 'is not a known property' });
  const { granted, flowVersion } = record;
  if (granted === undefined) problems.push({ path: 'granted', message: 'is required' });
  else if (typeof granted !== 'boolean') problems.push({ path: 'granted', message: 'must be true or false' });
  if (flowVersion !== undefined && flowVersion !== null && !(Number.isInteger(flowVersion) && (flowVersion as number) >= 1)) {
    problems.push({ path: 'flowVersion', message: 'must be a positive integer' });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return {
    flowKey: flowKey as string,
    granted: granted as boolean,
    ...(flowVersion === undefined || flowVersion === null ? {} : { flowVersion: flowVersion as number }),
  };
}

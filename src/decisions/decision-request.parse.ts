import { ValidationFailedError, type Problem } from '../common/domain-error';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from '../auth/user-id';
import { MAX_KEY_LENGTH } from '@flowgate/core';
import type { DecisionInput } from './decisions.service';
import { MAX_BATCH } from './dto/decision-request.dto';

const MAX_FIELDS = 500;
const KNOWN = new Set(['userId', 'subprocessor', 'purpose', 'fields', 'payload', 'gpc']);

/**
 * The decision routes' input check, by hand: the same rules and messages as
 * `DecisionRequestDto` (which documents them in OpenAPI), without class-transformer and
 * class-validator, which cost more than the decision itself on this hot path. Every
 * problem is reported with its path (`requests[3].fields[1]: must be a string`).
 */
export function parseDecisionRequest(body: unknown): DecisionInput {
  const problems: Problem[] = [];
  const input = readRequest(body, '', problems);
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return input!;
}

export function parseDecisionBatch(body: unknown): DecisionInput[] {
  const problems: Problem[] = [];
  const inputs: DecisionInput[] = [];
  if (!isRecord(body)) {
    throw new ValidationFailedError([{ path: '', message: 'the body must be a JSON object' }]);
  }
  for (const key of Object.keys(body)) if (key !== 'requests') problems.push({ path: key, message: 'is not a known property' });
  const requests = body.requests;
  if (!Array.isArray(requests)) {
    problems.push({ path: 'requests', message: 'must be an array' });
  } else if (requests.length === 0) {
    problems.push({ path: 'requests', message: 'must contain at least 1 elements' });
  } else if (requests.length > MAX_BATCH) {
    problems.push({ path: 'requests', message: `must contain no more than ${MAX_BATCH} elements` });
  } else {
    requests.forEach((r: unknown, i) => {
      const input = readRequest(r, `requests[${i}].`, problems);
      if (input) inputs.push(input);
    });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return inputs;
}

function readRequest(value: unknown, at: string, problems: Problem[]): DecisionInput | null {
  if (!isRecord(value)) {
    problems.push({ path: at ? at.slice(0, -1) : '', message: 'must be a JSON object' });
    return null;
  }
  const before = problems.length;
  for (const key of Object.keys(value)) if (!KNOWN.has(key)) problems.push({ path: `${at}${key}`, message: 'is not a known property' });
  const { userId, subprocessor, purpose, fields, payload, gpc } = value;
  if (userId === undefined) problems.push({ path: `${at}userId`, message: 'is required' });
  else if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) problems.push({ path: `${at}userId`, message: USER_ID_MESSAGE });
  checkKey(subprocessor, `${at}subprocessor`, problems, true);
  checkKey(purpose, `${at}purpose`, problems, false);
  if (fields !== undefined && fields !== null) {
    if (!Array.isArray(fields)) problems.push({ path: `${at}fields`, message: 'must be an array' });
    else if (fields.length > MAX_FIELDS) problems.push({ path: `${at}fields`, message: `must contain no more than ${MAX_FIELDS} elements` });
    else fields.forEach((f: unknown, i) => checkKey(f, `${at}fields[${i}]`, problems, true));
  }
  if (gpc !== undefined && gpc !== null && typeof gpc !== 'boolean') problems.push({ path: `${at}gpc`, message: 'must be true or false' });
  if (problems.length > before) return null;
  return {
    userId: userId as string,
    subprocessor: subprocessor as string,
    purpose: purpose === null ? undefined : (purpose as string | undefined),
    fields: fields === null ? undefined : (fields as string[] | undefined),
    payload: payload === null ? undefined : payload,
    gpc: gpc === null ? undefined : (gpc as boolean | undefined),
  };
}

function checkKey(value: unknown, path: string, problems: Problem[], required: boolean): void {
  if (value === undefined || value === null) {
    if (required) problems.push({ path, message: value === undefined ? 'is required' : 'must be a string' });
  } else if (typeof value !== 'string') {
    problems.push({ path, message: 'must be a string' });
  } else if (value.length > MAX_KEY_LENGTH) {
    problems.push({ path, message: `must be shorter than or equal to ${MAX_KEY_LENGTH} characters` });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

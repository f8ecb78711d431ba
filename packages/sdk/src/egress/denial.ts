import { isFlowgateError, type FlowgateError } from '../errors.js';

/**
 * The Flowgate error behind a failed request, however the client wrapped it (fetch's
 * `TypeError: fetch failed`, an `AxiosError`, a got `RequestError`, an OpenAI
 * `APIConnectionError`): follows `cause` (and `detail`, where Stripe keeps it).
 */
export function egressDenial(error: unknown): FlowgateError | undefined {
  let current: unknown = error;
  for (let i = 0; i < 8 && typeof current === 'object' && current !== null; i++) {
    if (isFlowgateError(current)) return current;
    const e = current as { cause?: unknown; detail?: unknown };
    current = e.cause ?? e.detail;
  }
  return undefined;
}

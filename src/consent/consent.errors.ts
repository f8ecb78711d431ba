import { DomainError } from '../common/domain-error';

export type ConsentErrorCode =
  | 'FLOW_IS_REQUIRED'
  | 'FLOW_VERSION_CHANGED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'SHUTTING_DOWN';

export class ConsentError extends DomainError<ConsentErrorCode> {}

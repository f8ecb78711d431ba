import { DomainError } from '../common/domain-error';

export type ConsentErrorCode = 'FLOW_IS_REQUIRED' | 'FLOW_VERSION_CHANGED' | 'IDEMPOTENCY_KEY_REUSED';

export class ConsentError extends DomainError<ConsentErrorCode> {}

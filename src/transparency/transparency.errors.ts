import { DomainError } from '../common/domain-error';

export type TransparencyErrorCode = 'NOTICE_NOT_FOUND' | 'WEBHOOK_NOT_FOUND' | 'NOTICE_ALREADY_EFFECTIVE';

export class TransparencyError extends DomainError<TransparencyErrorCode> {}

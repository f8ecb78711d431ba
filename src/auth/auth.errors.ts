import { DomainError } from '../common/domain-error';

export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

export class AuthError extends DomainError<AuthErrorCode> {}

import { DomainError } from '../common/domain-error';

export type AuthErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'SERVICE_TOKEN_NOT_FOUND'
  | 'DEMO_LOGIN_DISABLED'
  | 'TOO_MANY_REQUESTS';

export class AuthError extends DomainError<AuthErrorCode> {}

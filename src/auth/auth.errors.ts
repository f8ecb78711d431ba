import { DomainError } from '../common/domain-error';

export type AuthErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'SERVICE_TOKEN_NOT_FOUND'
  | 'DEMO_LOGIN_DISABLED'
  | 'TOO_MANY_REQUESTS'
  | 'ADMIN_KEY_NOT_FOUND'
  | 'ADMIN_KEY_NAME_TAKEN';

export class AuthError extends DomainError<AuthErrorCode> {}

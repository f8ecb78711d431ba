import { ValidationPipe } from '@nestjs/common';
import { ValidationFailedError } from './domain-error';
import { toProblems } from './validation';

/** The global pipe: unknown properties rejected, every problem named with its path. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationFailedError(toProblems(errors)),
  });
}

import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { ValidationFailedError } from './domain-error';
import { hasRules, shapeProblems, toProblems } from './validation';

/**
 * The global pipe: unknown properties rejected, every problem named with its path. Array
 * sizes, nested-object shapes and prototype keys are checked first (`shapeProblems`), so
 * a body of a million array elements is refused before class-transformer copies it or
 * class-validator builds an error per element.
 */
class LimitedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (metatype && metadata.type !== 'custom' && hasRules(metatype)) {
      const problems = shapeProblems(metatype, value);
      if (problems.length > 0) throw new ValidationFailedError(problems);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new LimitedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    // `toProblems` needs each error's object to tell which array elements broke a rule.
    validationError: { target: true, value: true },
    exceptionFactory: (errors) => new ValidationFailedError(toProblems(errors)),
  });
}

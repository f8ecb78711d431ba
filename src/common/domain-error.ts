/**
 * Base of every domain error. Services throw these (never HttpException); the one
 * global filter (`http-exception.filter.ts`) maps each code to an HTTP status.
 */
export interface Problem {
  /** Where the problem is, as a path into the input: `flows[3].fields[1]`, `mode`. */
  path: string;
  message: string;
}

/**
 * `details`, when present, are problems with a path, like a validation error's: every error
 * body has the one shape `{ statusCode, code, message, details? }`.
 */
export abstract class DomainError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly details?: Problem[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that failed validation: every problem, each with its path. */
export class ValidationFailedError extends DomainError<'VALIDATION_FAILED'> {
  constructor(readonly problems: Problem[], what = 'request') {
    super('VALIDATION_FAILED', formatProblems(`Invalid ${what}`, problems), problems);
  }
}

export function formatProblems(title: string, problems: Problem[]): string {
  const lines = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  return `${title}: ${lines.join('; ')}`;
}

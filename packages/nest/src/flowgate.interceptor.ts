import {
  HttpException,
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable, catchError, throwError } from 'rxjs';
import { ConsentDeniedError, egressDenial, isFlowgateError } from '@flowgate/sdk';
import { scopeStorage } from '@flowgate/sdk/internal';
import { flowgateContext } from './flowgate.context.js';
import { FLOWGATE_OPTIONS, defaultUserResolver, type FlowgateModuleOptions } from './flowgate.options.js';

/**
 * Registered app-wide by `FlowgateModule`: takes the user (configurable resolver) and the
 * `Sec-GPC` header from each HTTP request and runs the handler in that context, so every
 * `@VendorCall` method it reaches, and every request the egress guard sees, decides for that user.
 */
@Injectable()
export class FlowgateInterceptor implements NestInterceptor {
  constructor(@Inject(FLOWGATE_OPTIONS) private readonly options: FlowgateModuleOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<{ headers?: Record<string, string | string[] | undefined> }>();
    const resolveUser = this.options.resolveUser ?? defaultUserResolver;
    const userId = resolveUser(request) ?? undefined;
    const gpc = secGpc(request.headers?.['sec-gpc']);
    const store = { guard: this.options.guard, userId, gpc };
    const denied = this.options.deniedStatus === undefined ? 403 : this.options.deniedStatus;
    const anonymous = userId === undefined ? (this.options.anonymousStatus === undefined ? 401 : this.options.anonymousStatus) : null;
    // The egress guard (FlowgateModule `egress`) reads the same user from its own scope.
    const scope = { userId: userId ?? null, gpc };
    return new Observable((subscriber) =>
      flowgateContext.run(store, () =>
        scopeStorage.run(scope, () =>
          next
            .handle()
            .pipe(catchError((error: unknown) => throwError(() => toHttp(error, denied, anonymous))))
            .subscribe(subscriber),
        ),
      ),
    );
  }
}

/** `Sec-GPC: 1` is the only value the spec defines. */
export function secGpc(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() === '1';
}

/** The SDK's errors as HTTP answers: a denial (`denied`), or no user to decide for (`anonymous`); null keeps the error. */
function toHttp(thrown: unknown, denied: number | null, anonymous: number | null): unknown {
  // A vendor SDK's own error for a request the egress guard refused carries the denial as its cause.
  const error = isFlowgateError(thrown) ? thrown : egressDenial(thrown);
  if (error === undefined) return thrown;
  if (error instanceof ConsentDeniedError && denied !== null) {
    return new HttpException(
      {
        statusCode: denied,
        code: 'CONSENT_DENIED',
        message: error.message,
        subprocessor: error.subprocessor,
        purpose: error.purpose,
        fields: error.fields,
        reasons: error.reasons,
      },
      denied,
      { cause: error },
    );
  }
  if (error.code === 'NO_USER_CONTEXT' && anonymous !== null) {
    return new HttpException({ statusCode: anonymous, code: 'NO_USER_CONTEXT', message: error.message }, anonymous, { cause: error });
  }
  return thrown;
}

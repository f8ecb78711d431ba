import {
  HttpException,
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable, catchError, throwError } from 'rxjs';
import { ConsentDeniedError, isFlowgateError } from '../sdk';
import { flowgateContext } from './flowgate.context';
import { FLOWGATE_OPTIONS, defaultUserResolver, type FlowgateModuleOptions } from './flowgate.options';

/**
 * Registered app-wide by `FlowgateModule`: takes the user (configurable resolver) and the
 * `Sec-GPC` header from each HTTP request and runs the handler in that context, so every
 * `@VendorCall` method it reaches decides for that user.
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
    const status = this.options.deniedStatus === undefined ? 403 : this.options.deniedStatus;
    return new Observable((subscriber) =>
      flowgateContext.run(store, () =>
        next
          .handle()
          .pipe(catchError((error: unknown) => throwError(() => (status === null ? error : toHttp(error, status)))))
          .subscribe(subscriber),
      ),
    );
  }
}

/** `Sec-GPC: 1` is the only value the spec defines. */
export function secGpc(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() === '1';
}

function toHttp(error: unknown, status: number): unknown {
  if (!isFlowgateError(error) || !(error instanceof ConsentDeniedError)) return error;
  return new HttpException(
    {
      statusCode: status,
      code: 'CONSENT_DENIED',
      message: error.message,
      subprocessor: error.subprocessor,
      purpose: error.purpose,
      fields: error.fields,
      reasons: error.reasons,
    },
    status,
    { cause: error },
  );
}

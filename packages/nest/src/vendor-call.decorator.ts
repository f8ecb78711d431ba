import { FlowgateError, type GuardedCall } from '@flowgate/sdk';
import { callGuarded } from '@flowgate/sdk/internal';
import { flowgateContext } from './flowgate.context.js';

export interface VendorCallOptions {
  readonly subprocessor: string;
  readonly purpose?: string;
  /** Which argument is the payload (default 0); `null` when the call carries none. */
  readonly payloadArg?: number | null;
  /** Field keys the call carries besides its payload. */
  readonly fields?: readonly string[];
}

/**
 * Marks a method that sends data to a subprocessor. Each call is decided for the user of
 * the current request (or `runAs` job) before the method runs: denied → `ConsentDeniedError`
 * and the method never runs; redact mode → the method gets a redacted copy of its payload.
 * Without a request context the call fails closed (`NO_USER_CONTEXT`).
 */
export function VendorCall(options: VendorCallOptions): MethodDecorator {
  const payloadArg = options.payloadArg === undefined ? 0 : options.payloadArg;
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown;
    if (typeof original !== 'function') throw new TypeError('@VendorCall decorates methods only');
    const where = `${(target as { constructor: { name: string } }).constructor.name}.${String(propertyKey)}`;
    const method = original as (...args: unknown[]) => unknown;
    const guarded = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const context = flowgateContext.getStore();
      if (context === undefined) {
        return Promise.reject(
          new FlowgateError(
            'NO_USER_CONTEXT',
            `@VendorCall ${where}: no Flowgate context (call it while handling a request, or inside FlowgateGuardService.runAs)`,
          ),
        );
      }
      const call: GuardedCall = {
        userId: context.userId as string,
        gpc: context.gpc,
        subprocessor: options.subprocessor,
        purpose: options.purpose,
        fields: options.fields,
        payloads: payloadArg === null ? [] : [args[payloadArg]],
      };
      return callGuarded(context.guard, call, method, this, args, payloadArg);
    };
    copyMetadata(method, guarded);
    Object.defineProperty(guarded, 'name', { value: method.name });
    (descriptor as PropertyDescriptor).value = guarded;
    return descriptor;
  };
}

/** Keeps what other decorators (`@Post`, `@HttpCode`, …) stored on the original method. */
function copyMetadata(from: object, to: object): void {
  const reflect = Reflect as unknown as {
    getMetadataKeys?: (target: object) => unknown[];
    getMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  if (!reflect.getMetadataKeys || !reflect.getMetadata || !reflect.defineMetadata) return;
  for (const key of reflect.getMetadataKeys(from)) reflect.defineMetadata(key, reflect.getMetadata(key, from), to);
}

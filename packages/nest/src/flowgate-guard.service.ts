import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type {
  CheckRequest,
  Decision,
  FetchGuardOptions,
  GateResult,
  Guard,
  GuardedCall,
  VendorTarget,
  WrapOptions,
} from '@flowgate/sdk';
import { scopeStorage } from '@flowgate/sdk/internal';
import { flowgateContext, type FlowgateCallContext } from './flowgate.context.js';
import { FLOWGATE_OPTIONS, type FlowgateModuleOptions } from './flowgate.options.js';

/** The app's guard, injectable; also runs background work as a user (`runAs`). */
@Injectable()
export class FlowgateGuardService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Flowgate');
  readonly guard: Guard;
  private uninstallEgress: (() => void) | null = null;

  constructor(@Inject(FLOWGATE_OPTIONS) private readonly options: FlowgateModuleOptions) {
    this.guard = options.guard;
  }

  async onModuleInit(): Promise<void> {
    const { egress } = this.options;
    if (egress !== undefined) this.uninstallEgress = egress(this.guard, (line) => this.logger.log(line));
    if (this.options.awaitReady === false) return;
    try {
      await this.guard.ready();
    } catch (error) {
      this.logger.warn(`No policy yet (${(error as Error).message}); guarded calls fail closed until one loads`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.uninstallEgress?.();
    this.uninstallEgress = null;
    if (this.options.closeOnShutdown !== false) await this.guard.close();
  }

  check(request: CheckRequest): Promise<Decision> {
    return this.guard.check(request);
  }

  gate(call: GuardedCall): Promise<GateResult> {
    return this.guard.gate(call);
  }

  wrap<A extends unknown[], R>(target: VendorTarget, fn: (...args: A) => R, options: WrapOptions<A>) {
    return this.guard.wrap(target, fn, options);
  }

  fetch(input: string | URL | Request, init: RequestInit | undefined, options: FetchGuardOptions): Promise<Response> {
    return this.guard.fetch(input, init, options);
  }

  /** The context of the current request or job, if any. */
  current(): FlowgateCallContext | undefined {
    return flowgateContext.getStore();
  }

  /** Runs `fn` (a queue job, a cron task) as `userId`, so `@VendorCall` methods inside it decide for them. */
  runAs<T>(user: { readonly userId: string; readonly gpc?: boolean }, fn: () => T): T {
    const gpc = user.gpc === true;
    return flowgateContext.run({ guard: this.guard, userId: user.userId, gpc }, () => scopeStorage.run({ userId: user.userId, gpc }, fn));
  }
}

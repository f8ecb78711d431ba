import type { DemoLoginResponse } from '@flowgate/core';
import { Inject, Injectable } from '@nestjs/common';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { AuthError } from './auth.errors';
import { CLOCK, type Clock } from './clock';
import { signUserToken, verifyUserToken, type UserTokenCheck } from './user-token';
import { USER_TOKEN_SECRET, type UserTokenSecretSource } from './user-token-secret';

/** How long a demo login lasts. */
export const DEMO_TOKEN_TTL_SECONDS = 12 * 60 * 60;

/** Checks end-user tokens and, in demo mode, issues them. */
@Injectable()
export class UserTokensService {
  constructor(
    @Inject(USER_TOKEN_SECRET) private readonly source: UserTokenSecretSource,
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.source.secret !== null;
  }

  verify(token: string): UserTokenCheck {
    if (this.source.secret === null) return { ok: false, problem: 'bad-signature' };
    return verifyUserToken(this.source.secret, token, this.nowSeconds());
  }

  /** `POST /api/v1/demo/login`: a token for any user id, in demo mode only. */
  demoLogin(userId: string): DemoLoginResponse {
    if (!this.config.demo || this.source.secret === null) {
      throw new AuthError('DEMO_LOGIN_DISABLED', 'Demo login is only available in demo mode (FLOWGATE_DEMO=1)');
    }
    const exp = this.nowSeconds() + DEMO_TOKEN_TTL_SECONDS;
    const token = signUserToken(this.source.secret, { sub: userId, exp, iat: this.nowSeconds() });
    return { userId, token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}

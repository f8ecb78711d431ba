import { SetMetadata } from '@nestjs/common';

/**
 * Who may call a route. Routes without `@Access` are admin-only.
 * - `admin`: the privacy team's token;
 * - `service`: a service token (SDKs in other services), created by an admin;
 * - `user`: an end-user token signed by the host application (`sub` = user id);
 * - `public`: no token needed.
 */
export type Caller = 'public' | 'admin' | 'service' | 'user';

export const ACCESS_KEY = 'flowgate:access';

export const Access = (...callers: Caller[]) => SetMetadata(ACCESS_KEY, callers);

import { SetMetadata } from '@nestjs/common';
import type { AdminRole } from './admin-role';

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

export const ADMIN_ROLE_KEY = 'flowgate:admin-role';

/**
 * The least role an admin key needs for a route. Without it: `viewer` for GET, `editor` for
 * anything that changes something. The bootstrap admin token is an owner.
 */
export const AdminRoleRequired = (role: AdminRole) => SetMetadata(ADMIN_ROLE_KEY, role);

import { SetMetadata } from '@nestjs/common';

/** Who may call a route. Routes without `@Access` are admin-only. */
export type Caller = 'public' | 'admin';

export const ACCESS_KEY = 'flowgate:access';

export const Access = (...callers: Caller[]) => SetMetadata(ACCESS_KEY, callers);

/** `viewer`: read the map, graph, audit; `editor`: also change the map and tokens; `owner`: also keys. */
export const ADMIN_ROLES = ['viewer', 'editor', 'owner'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

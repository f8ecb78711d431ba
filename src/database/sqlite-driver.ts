import sqlite3 from 'sqlite3';

/**
 * The sqlite3 module for TypeORM, without its `verbose()` mode. TypeORM 0.3 always calls
 * `driver.verbose()`, which wraps every `run`/`all`/`prepare`/… of every Database in a
 * function that builds an `Error` (a stack trace) per call: ~480 µs per consent change, a
 * third of the writer's busy time, for nicer stack traces in errors we log anyway. This
 * module is handed to TypeORM as its `driver`; its `verbose()` returns the plain module.
 */
export const quietSqlite3: typeof sqlite3 = Object.assign(Object.create(sqlite3) as typeof sqlite3, {
  verbose: () => quietSqlite3,
});

/**
 * A hot path `npm run bench -- profile <name>` can profile. Either it runs in the bench's
 * own process (`step` is called in a loop under the inspector's profiler), or it drives a
 * server in a child process that profiles itself (bench/profile/preload.cjs).
 */
export type Workload = InProcessWorkload | ServerWorkload;

export interface InProcessWorkload {
  readonly kind: 'in-process';
  /** One line: what is profiled, on what data. */
  readonly description: string;
  /** Everything outside the profile: data, servers. `step` is one operation of the hot path. */
  prepare(quick: boolean): Promise<{ step(): unknown; close(): Promise<void> }>;
}

export interface ServerWorkload {
  readonly kind: 'server';
  readonly description: string;
  /**
   * Starts the server with `env` added to its environment (the profiler preload) and what it
   * needs loaded; `drive(seconds)` puts the hot path under load and resolves with the number
   * of operations done.
   */
  prepare(quick: boolean, env: Record<string, string>): Promise<{ drive(seconds: number): Promise<number>; close(): Promise<void> }>;
}

/**
 * Where the CPU went during a measurement (Linux /proc): cores used by given processes and
 * by the whole machine, so a report can say whether the cores were the limit.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in these ticks per second on Linux. */
const TICKS_PER_SECOND = 100;

/** utime + stime of one process, in ticks (0 once it is gone). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid … utime (14th field overall) stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The process and its direct children (a PostgreSQL postmaster's backends). */
export function withChildren(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Busy ticks of every core together (all but idle and iowait), and all ticks. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.slice(0, 8).reduce((s, x) => s + x, 0);
  return { busy: total - t[3] - t[4], total };
}

export interface CpuUse {
  /** Cores used on average by each named group of processes, and by the whole machine. */
  groups: Record<string, number>;
  machine: number;
}

/**
 * Starts counting; `stop()` gives the cores each group used since (CPU seconds over wall
 * seconds). Groups are re-resolved at stop, so processes started meanwhile count from zero.
 */
export function startCpuCount(groups: Record<string, () => number[]>): { stop(): CpuUse } {
  const started = performance.now();
  const before = new Map<number, number>();
  for (const pids of Object.values(groups))
    for (const pid of pids()) before.set(pid, processTicks(pid));
  const machineBefore = machineTicks();
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000;
      const used: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups)) {
        const ticks = pids().reduce(
          (s, pid) => s + Math.max(0, processTicks(pid) - (before.get(pid) ?? 0)),
          0,
        );
        used[name] = ticks / TICKS_PER_SECOND / seconds;
      }
      const after = machineTicks();
      return {
        groups: used,
        machine: (after.busy - machineBefore.busy) / TICKS_PER_SECOND / seconds,
      };
    },
  };
}

/**
 * CPU time of the center's processes from /proc (Linux): PgBouncer's, and the whole PostgreSQL
 * cluster's (the postmaster, its live children, and the children it has reaped). Benchmarks
 * take it before and after a phase to say what the server side spent, apart from the simulator
 * sharing the machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import type pg from "pg";

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Stat {
  ppid: number;
  /** utime + stime, ms */
  own: number;
  /** cutime + cstime (reaped children), ms */
  children: number;
}

function stat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null; // gone
  }
  // the command name may hold spaces: fields count from after its closing parenthesis
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const n = (i: number) => Number(f[i - 3]);
  return { ppid: n(4), own: (n(14) + n(15)) * TICK_MS, children: (n(16) + n(17)) * TICK_MS };
}

/** A process's own CPU, ms (0 when it is gone). */
export function processCpuMs(pid: number): number {
  return stat(pid)?.own ?? 0;
}

/** The PostgreSQL server a client is connected to: its postmaster's pid (the server must be local). */
export async function postmasterPid(c: pg.ClientBase): Promise<number> {
  const r = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const s = stat(r.rows[0]!.pid);
  if (!s) throw new Error("the PostgreSQL backend is not a local process: its CPU cannot be read from /proc");
  return s.ppid;
}

/** All the CPU the cluster has used so far, ms: postmaster, live children, reaped children. */
export function clusterCpuMs(postmaster: number): number {
  const p = stat(postmaster);
  if (!p) return 0;
  let total = p.own + p.children;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s && s.ppid === postmaster) total += s.own;
  }
  return total;
}

/**
 * "Elsewhere on the network": the external benchmark's API flood clients and its central
 * PostgreSQL run on this machine, but on a deployment they are other machines and take none of
 * the bank's CPU. Here they share two cores with the daemon, and in the first runs the daemon's
 * main thread waited for a core (its run-queue wait) for most of its slowest samples. So they
 * run in a cgroup of low CPU weight: cgroup v1 cpu.shares 64, or v2 cpu.weight 6, against the
 * default 1024 / 100 of everything else (the daemon, the rig, the empty process). That caps
 * nothing: they still get every cycle the daemon leaves idle, so the load they put on the
 * daemon is what it can take; they only give way when the daemon wants a core. The rig itself
 * (customers, the boards' answers) keeps the default weight: a lock board is its own
 * microcontroller, and the rig's timestamps are the measurement.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeCgroup, type Cgroup } from "./cgroup.js";

export interface NetworkGroup {
  description: string;
  /** Put a process (and what it forks later) in the group. */
  add(pid: number): void;
  /** A process and every process it has forked so far (a PostgreSQL cluster: its postmaster). */
  addTree(pid: number): void;
  close(): void;
}

export function networkGroup(log: (l: string) => void): NetworkGroup {
  const group: Cgroup | null = makeCgroup(`lockerd-bench-net-${process.pid}`, { v1: { "cpu.shares": "64" }, v2: { "cpu.weight": "6" } }, log);
  const add = (pid: number) => {
    try {
      group?.add(pid);
    } catch {
      // gone already (a client that ended): nothing to weigh
    }
  };
  return {
    description: group ? `flood clients and PostgreSQL at low CPU weight (${group.kind === "v1" ? "cpu.shares 64 of 1024" : "cpu.weight 6 of 100"})` : "flood clients and PostgreSQL at normal CPU weight (no writable cgroup)",
    add,
    addTree(pid) {
      for (const p of [pid, ...descendants(pid)]) add(p);
    },
    close: () => group?.remove(),
  };
}

/** Processes whose parent chain leads to pid (from /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(join("/proc", name, "stat"), "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // ended meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** The postmaster's pid of a cluster (the first line of its postmaster.pid). */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
}


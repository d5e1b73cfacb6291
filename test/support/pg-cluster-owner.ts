/**
 * Who owns a private test cluster, and reaping the ones whose owner died. startPrivateCluster
 * (postgres-setup.ts) writes owner.json (pid and the kernel's start time of that pid, so a
 * reused pid is not taken for the owner) into the cluster's directory; a script killed before
 * stop() (SIGKILL, a crash, a closed terminal) leaves the server running, and the next start
 * sweeps it away. A cluster whose owner lives is never touched: runs go on in parallel.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The directory prefix of every private cluster, under the temp dir. */
export const CLUSTER_PREFIX = "lockerd-pg-";
const OWNER_FILE = "owner.json";
/** A cluster from before owner files is reaped only when this old: no test run lasts a day. */
const UNOWNED_MAX_AGE_MS = 24 * 3_600_000;

interface Owner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); null where there is no /proc. */
  startTicks: string | null;
}

/** The process's state letter and start time from /proc, or null when there is no such process (or no /proc). */
function procStat(pid: number): { state: string; startTicks: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, startTicks: fields[19]! };
  } catch {
    return null;
  }
}

export function writeOwner(root: string, pid = process.pid): void {
  const owner: Owner = { pid, startTicks: procStat(pid)?.startTicks ?? null };
  writeFileSync(join(root, OWNER_FILE), JSON.stringify(owner) + "\n");
}

export function readOwner(root: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(join(root, OWNER_FILE), "utf8")) as Partial<Owner>;
    return typeof o.pid === "number" ? { pid: o.pid, startTicks: typeof o.startTicks === "string" ? o.startTicks : null } : null;
  } catch {
    return null;
  }
}

export function ownerAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false; // ESRCH: gone
  }
  const now = procStat(owner.pid);
  if (!now) return !existsSync("/proc/self/stat"); // without /proc, kill(0) is all we know
  if (now.state === "Z" || now.state === "X") return false; // dead, not yet reaped by its parent
  return owner.startTicks === null || now.startTicks === owner.startTicks;
}

/** Why a cluster directory is stale, or null when it must be left alone. */
export function staleness(root: string, now = Date.now()): string | null {
  const owner = readOwner(root);
  if (owner) return ownerAlive(owner) ? null : `owner pid ${owner.pid} is gone`;
  let age: number;
  try {
    age = now - statSync(root).mtimeMs;
  } catch {
    return null;
  }
  return age > UNOWNED_MAX_AGE_MS ? `no owner recorded and ${Math.round(age / 3_600_000)} h old` : null;
}

export interface PgTools {
  binDir: string;
  runAs: string | null;
  run(tool: string, args: string[]): string;
}

/** Stop a cluster's server (immediate: nothing in it is worth a checkpoint) and remove its directory. */
export function reapCluster(root: string, pg: PgTools): void {
  const dataDir = join(root, "data");
  const pidFile = join(dataDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    try {
      pg.run("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w", "-s"]);
    } catch {
      killPostmaster(pidFile, dataDir);
    }
  }
  rmSync(root, { recursive: true, force: true });
}

/** pg_ctl could not stop it (another version's binaries, a damaged data dir): signal the postmaster itself, if it is this cluster's. */
function killPostmaster(pidFile: string, dataDir: string): void {
  try {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmdline.includes(dataDir)) return;
    process.kill(pid, "SIGQUIT"); // PostgreSQL's immediate shutdown; it takes its children with it
    for (let i = 0; i < 50 && procStat(pid) && procStat(pid)!.state !== "Z"; i++) execFileSync("sleep", ["0.1"]);
  } catch {
    // no such process (the pid file outlived it) or not ours to read: nothing runs to stop
  }
}

/** Reap every private cluster under `parent` whose owner is dead; returns the directories removed. */
export function sweepStaleClusters(parent: string, pg: PgTools, log: (line: string) => void = () => {}): string[] {
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(CLUSTER_PREFIX));
  } catch {
    return [];
  }
  const reaped: string[] = [];
  for (const name of names) {
    const root = join(parent, name);
    const why = staleness(root);
    if (!why) continue;
    try {
      reapCluster(root, pg);
      reaped.push(root);
      log(`removed a leftover PostgreSQL test cluster ${root} (${why})`);
    } catch (e) {
      log(`could not remove the leftover PostgreSQL test cluster ${root} (${why}): ${(e as Error).message}`);
    }
  }
  return reaped;
}

const live = new Set<() => void>();
let hooked = false;

/**
 * Stop `stop` when this process exits or is told to (SIGINT, SIGTERM, SIGHUP); returns the
 * undo. A signal nobody else handles is raised again afterwards, so the process still dies of it.
 */
export function stopOnExit(stop: () => void): () => void {
  live.add(stop);
  if (!hooked) {
    hooked = true;
    process.on("exit", stopAll);
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      const onSignal = () => {
        stopAll();
        if (process.listenerCount(sig) === 1) {
          process.removeListener(sig, onSignal);
          process.kill(process.pid, sig);
        }
      };
      process.on(sig, onSignal);
    }
  }
  return () => live.delete(stop);
}

function stopAll(): void {
  for (const stop of [...live]) {
    live.delete(stop);
    try {
      stop();
    } catch {
      // best effort on the way out
    }
  }
}

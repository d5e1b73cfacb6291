/**
 * The private PostgreSQL clusters the tests and benchmarks start must not outlive their
 * scripts: stopped on exit and on SIGTERM, and when the script died outright (SIGKILL), reaped
 * by the next start, but never while the process that started one still runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { staleness, writeOwner } from "../support/pg-cluster-owner.js";
import { startPrivateCluster } from "../support/postgres-setup.js";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "..", "support", "pg-cluster-child.ts");

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A parent dir of our own: the sweep looks only there, never at other runs' clusters in /tmp. */
function parentDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lockerd-pgsweep-"));
  chmodSync(dir, 0o755); // the postgres user (when we are root) must reach its cluster inside
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Child {
  proc: ChildProcess;
  adminUrl: string;
  root: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startChild(parent: string, mode: "wait" | "exit"): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, parent, mode], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  });
  let out = "";
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    void exited.then(({ code, signal }) => reject(new Error(`the child exited (${code ?? signal}) before its cluster was up`)));
  });
  const { adminUrl, dataDir } = JSON.parse(line) as { adminUrl: string; dataDir: string };
  return { proc, adminUrl, root: dirname(dataDir), exited };
}

/** Whether a server answers at the URL. */
async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

describe("private test clusters", () => {
  it("one whose script was SIGKILLed is reaped by the next start; one whose script lives is left alone; SIGTERM stops its own", async () => {
    const parent = parentDir();
    const killed = await startChild(parent, "wait");
    const living = await startChild(parent, "wait");
    killed.proc.kill("SIGKILL");
    expect((await killed.exited).signal).toBe("SIGKILL");
    // The leak this guards against: the server outlives its script.
    expect(await answers(killed.adminUrl)).toBe(true);

    const next = await startPrivateCluster({ parent });
    try {
      expect(existsSync(killed.root)).toBe(false);
      expect(await answers(killed.adminUrl)).toBe(false);
      expect(existsSync(living.root)).toBe(true);
      expect(await answers(living.adminUrl)).toBe(true);
      expect(await answers(next.adminUrl)).toBe(true);
    } finally {
      next.stop();
    }
    expect(existsSync(dirname(next.dataDir))).toBe(false);

    living.proc.kill("SIGTERM");
    // It stops its cluster and still dies of the signal.
    expect((await living.exited).signal).toBe("SIGTERM");
    expect(existsSync(living.root)).toBe(false);
    expect(await answers(living.adminUrl)).toBe(false);
  }, 90_000);

  it("a script that exits without calling stop() takes its cluster with it", async () => {
    const parent = parentDir();
    const child = await startChild(parent, "exit");
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(child.root)).toBe(false);
    expect(await answers(child.adminUrl)).toBe(false);
  }, 60_000);

  it("judges a cluster stale only when its recorded owner is gone, or unowned and a day old", async () => {
    const parent = parentDir();
    const dir = (name: string) => {
      const d = join(parent, name);
      mkdirSync(d);
      return d;
    };
    const mine = dir("lockerd-pg-mine");
    writeOwner(mine);
    expect(staleness(mine)).toBeNull();

    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.once("exit", resolve));
    const orphan = dir("lockerd-pg-orphan");
    writeOwner(orphan, gone.pid!);
    expect(staleness(orphan)).toBe(`owner pid ${gone.pid} is gone`);

    // Our pid, but started at another time: the pid was reused, the owner is gone.
    const reused = dir("lockerd-pg-reused");
    writeFileSync(join(reused, "owner.json"), JSON.stringify({ pid: process.pid, startTicks: "1" }));
    expect(staleness(reused)).toMatch(/is gone/);

    const unowned = dir("lockerd-pg-unowned");
    expect(staleness(unowned)).toBeNull(); // may be a run of an older checkout, still going
    const dayAgo = (Date.now() - 25 * 3_600_000) / 1000;
    utimesSync(unowned, dayAgo, dayAgo);
    expect(staleness(unowned)).toMatch(/no owner recorded and 25 h old/);
  });
});

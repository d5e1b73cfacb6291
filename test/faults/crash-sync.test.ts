/**
 * Crash at the sync steps: the real daemon, syncing to a real PostgreSQL, killed with SIGKILL
 * right after the central commit (before the local mark) and right after the local mark. After
 * a restart every event reaches the central database exactly once, and central and local agree
 * event for event.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { CrashPoint } from "../../src/system/crash-points.js";
import { useTestCentral } from "../support/sync-parts.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon-process.js";
import { api, until, writeConfig } from "./daemon-setup.js";
import { checkInvariants } from "./invariants.js";

const central = useTestCentral();
const dirs: string[] = [];
const running: DaemonProcess[] = [];
afterAll(async () => {
  // Runs before useTestCentral's afterAll (hooks unwind in reverse): daemons stop first.
  for (const d of running) await d.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SYNC_POINTS: CrashPoint[] = ["sync.central_committed", "sync.marked"];

describe("crash at the sync steps", () => {
  for (const point of SYNC_POINTS) {
    it(`killed at ${point}: every event reaches the central database exactly once`, async () => {
      const { bankId, role, url, key } = await central.addBank();
      const dir = mkdtempSync(join(tmpdir(), `lockerd-crash-${point}-`));
      dirs.push(dir);
      const u = new URL(url);
      writeFileSync(join(dir, "pw"), decodeURIComponent(u.password) + "\n", { mode: 0o600 });
  writeFileSync(join(dir, "key"), key + "\n", { mode: 0o600 });
      const cfg = writeConfig(dir, {
        bank: { id: bankId },
        sync: { enabled: true, url: `postgresql://${role}@${u.host}${u.pathname}`, passwordFile: join(dir, "pw"), keyFile: join(dir, "key"), tls: "disable", intervalMs: 100, batchSize: 3 },
      });

      const first = await startDaemonProcess({ config: cfg, env: { LOCKERD_CRASH_AT: point } });
      running.push(first);
      // A parcel's life makes events; the first batch that reaches the central database kills the daemon.
      await (async () => {
        const a = await api(first.url, "POST", "/lockers/assign", { size: "S" });
        await until(async () => ((await api(first.url, "GET", `/packages/${a.body.parcelId}`)).body.status === "STORED" ? true : undefined));
      })().catch(() => undefined);
      const exit = await first.exited;
      expect(exit.signal, `the daemon must have reached ${point}`).toBe("SIGKILL");

      const second = await startDaemonProcess({ config: cfg });
      running.push(second);
      // More life after the restart, then everything must arrive.
      const b = await api(second.url, "POST", "/lockers/assign", { size: "M" });
      expect(b.status).toBe(201);
      await until(async () => ((await api(second.url, "GET", `/packages/${b.body.parcelId}`)).body.status === "STORED" ? true : undefined));
      await until(async () => {
        const s = await api(second.url, "GET", "/sync");
        return s.body.backlog === 0 && s.body.lastError === null ? true : undefined;
      }, 30_000);
      await second.stop();

      const db = new Database(join(dir, "lockerd.db"), { readonly: true });
      const local = db.prepare("SELECT seq, type FROM events ORDER BY seq").all() as { seq: number; type: string }[];
      db.close();
      const remote = await central.events(bankId);
      expect(remote.map((e) => [Number(e.seq), e.type])).toEqual(local.map((e) => [e.seq, e.type]));
      expect(new Set(remote.map((e) => e.seq)).size).toBe(remote.length);
      expect(checkInvariants(join(dir, "lockerd.db")).problems).toEqual([]);
    }, 90_000);
  }
});

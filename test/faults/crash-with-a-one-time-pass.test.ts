/**
 * A one-time return pass and a power cut: the real daemon (its own process, a serial scanner on a
 * real pty) is killed with SIGKILL right after the pass was spent with its door intent, or right
 * after the return was stored; restarted, the same pass is refused as used, and the bank holds
 * exactly one return for it (the interrupted deposit is left to a person to inspect, as any
 * deposit interrupted by a restart is).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import type { CrashPoint } from "../../src/system/crash-points.js";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon-process.js";
import { passIssuer } from "../support/passes.js";
import { openPtyPair, type PtyPair } from "../support/pty-pair.js";
import { api, until, writeConfig } from "./daemon-setup.js";

let running: DaemonProcess[] = [];
let pairs: PtyPair[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const d of running) await d.stop();
  for (const p of pairs) await p.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  running = [];
  pairs = [];
  dirs = [];
});

const issuer = passIssuer();

/** A daemon on a fresh scanner line; returns a function that scans a text into it. */
async function start(dir: string, name: string, env: Record<string, string> = {}) {
  const pair = await openPtyPair(dir, name);
  pairs.push(pair);
  const cfg = writeConfig(dir, {
    bank: { id: "B1" },
    input: { scanner: { type: "serial", path: pair.device, suffix: "CR" } },
    passes: { trustedKeys: [{ name: "test center", publicKey: issuer.publicKey }] },
  });
  const d = await startDaemonProcess({ config: cfg, env });
  running.push(d);
  const peer = new SerialPort({ path: pair.peer, baudRate: 9600, autoOpen: false });
  await new Promise<void>((res, rej) => peer.open((e) => (e ? rej(e) : res())));
  const scan = (text: string) => new Promise<void>((res, rej) => peer.write(text + "\r", (e) => (e ? rej(e) : peer.drain(() => res()))));
  return { d, scan, closePeer: () => new Promise((res) => peer.close(res)) };
}

const refusals = async (url: string) => ((await api(url, "GET", "/events?type=pass.refused")).body.events as { data: { reason: string; passId: string | null } }[]).map((e) => e.data);

describe("a one-time pass across a power cut", () => {
  for (const point of ["return.committed", "deposit.stored"] as CrashPoint[]) {
    it(`killed at ${point}: the pass is spent once, and one return is held for it`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `lockerd-pass-crash-${point}-`));
      dirs.push(dir);
      const pass = issuer.returnPass(Date.now(), { banks: ["B1"] });

      const first = await start(dir, "first", { LOCKERD_CRASH_AT: point });
      await first.scan(pass.text);
      const exit = await Promise.race([first.d.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
      expect(exit, "the daemon should have been killed at the crash point").toMatchObject({ signal: "SIGKILL" });
      await first.closePeer();

      const second = await start(dir, "second");
      await second.scan(pass.text);
      const refused = await until(async () => {
        const r = await refusals(second.d.url);
        return r.length > 0 ? r : undefined;
      });
      expect(refused).toEqual([{ kind: "return", passId: pass.fields.passId, reason: "used" }]);
      await second.closePeer();
      await second.d.stop();

      const db = new Database(join(dir, "lockerd.db"), { readonly: true });
      try {
        const returns = db.prepare(`SELECT status, in_locker AS inLocker, locker_id AS lockerId FROM parcels WHERE kind = 'return'`).all() as { status: string; inLocker: number; lockerId: string }[];
        expect(returns).toHaveLength(1);
        expect(returns[0]!.inLocker).toBe(1);
        expect(db.prepare(`SELECT count(*) AS n FROM spent_passes WHERE pass_id = ?`).get(pass.fields.passId)).toEqual({ n: 1 });
        const locker = db.prepare(`SELECT status FROM lockers WHERE id = ?`).get(returns[0]!.lockerId) as { status: string };
        if (point === "deposit.stored") {
          expect(returns[0]!.status).toBe("STORED");
          expect(locker.status).toBe("OCCUPIED");
        } else {
          // interrupted before the door was driven: kept, and the locker flagged for a person to look
          expect(returns[0]!.status).toBe("ASSIGNED");
          expect(locker.status).toBe("OUT_OF_SERVICE");
        }
        expect((db.prepare(`SELECT count(*) AS n FROM door_intents WHERE state IN ('pending','opened')`).get() as { n: number }).n).toBe(0);
      } finally {
        db.close();
      }
    });
  }
});

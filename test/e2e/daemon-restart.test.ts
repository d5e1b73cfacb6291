/** What a courier stored survives a daemon restart: same database, same code secret. */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startDaemonProcess, type DaemonProcess } from "../support/daemon-process.js";
import { tempDir } from "../support/bank.js";

let dir: string | undefined;
const running: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) if (d.proc.exitCode === null) await d.stop("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("daemon restart", () => {
  it("a stored parcel is still there after SIGTERM and a new start, and its code opens it", async () => {
    const d = (dir = tempDir("lockerd-restart-"));
    const config = join(d, "lockerd.json");
    writeFileSync(config, JSON.stringify({ dataDir: "data", hardware: { sim: { person: { openDelayMs: 30, closeDelayMs: 300 } } } }));
    const db = join(d, "bank.db");

    const first = await startDaemonProcess({ db, config });
    running.push(first);
    const post = { method: "POST", headers: { "content-type": "application/json" } };
    const a = (await json(`${first.url}/lockers/assign`, { ...post, body: JSON.stringify({ size: "S" }) })).body as { parcelId: string; pickupCode: string; lockerId: string };
    for (let i = 0; i < 200 && (await json(`${first.url}/packages/${a.parcelId}`)).body.status !== "STORED"; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await first.stop()).toBe(0);

    const second = await startDaemonProcess({ db, config });
    running.push(second);
    expect((await json(`${second.url}/packages/${a.parcelId}`)).body).toMatchObject({ status: "STORED", lockerId: a.lockerId });
    const status = (await json(`${second.url}/lockers/status`)).body as { lockers: { id: string; status: string }[] };
    expect(status.lockers.find((l) => l.id === a.lockerId)!.status).toBe("OCCUPIED");
    expect(await json(`${second.url}/pickup`, { ...post, body: JSON.stringify({ code: a.pickupCode }) })).toMatchObject({ status: 200, body: { parcelId: a.parcelId } });
    expect(await second.stop()).toBe(0);
  });
});

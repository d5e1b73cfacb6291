/**
 * A return end to end at a real daemon whose central database cannot be reached: the customer's
 * return pass arrives over a serial scanner line (a real pty), the smallest free locker that fits
 * opens, the door closes, the return is stored (return.stored, waiting in the outbox); a courier
 * signs in with a courier pass (no badge or PIN on this bank), presses the collect-returns key,
 * and the return's door opens and is recorded (return.collected). A forged pass opens nothing.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { SimKeypad } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { signPass } from "../../src/signing/pass.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { passIssuer } from "../support/passes.js";
import { openPtyPair, type PtyPair } from "../support/pty-pair.js";
import { waitFor } from "../support/wait-for.js";

let t: DaemonTestBank<Clock> | null = null;
let pair: PtyPair | null = null;
let dir: string | null = null;
let peer: SerialPort | null = null;
afterEach(async () => {
  if (peer?.isOpen) await new Promise((res) => peer!.close(res));
  peer = null;
  await t?.dispose();
  t = null;
  await pair?.close();
  pair = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const issuer = passIssuer();

describe("a return at the scanner of a bank that is offline", () => {
  it("is stored in the smallest locker that fits, and the carrier's courier collects it with a courier pass", async () => {
    dir = mkdtempSync(join(tmpdir(), "lockerd-return-"));
    pair = await openPtyPair(dir);
    const keypad = new SimKeypad();
    const indicator = new SimIndicator();
    t = await createTestBank({
      daemon: {
        config: {
          bank: { id: "B1" },
          input: { scanner: { type: "serial", path: pair.device, suffix: "CR" } },
          passes: { trustedKeys: [{ name: "test center", publicKey: issuer.publicKey }] },
          // central is unreachable: nothing listens there
          sync: { enabled: true, url: "postgresql://lockerd@127.0.0.1:9/lockerd", tls: "disable", intervalMs: 200, backoffMinMs: 100, connectTimeoutMs: 500 },
        },
        input: { keypad, indicator },
      },
      clock: "system",
    });
    const b = t;
    peer = new SerialPort({ path: pair.peer, baudRate: 9600, autoOpen: false });
    await new Promise<void>((res, rej) => peer!.open((e) => (e ? rej(e) : res())));
    const scan = (text: string) => new Promise<void>((res, rej) => peer!.write(text + "\r", (e) => (e ? rej(e) : peer!.drain(() => res()))));
    const events = (type: string) => b.store.events.query({ type, limit: 100 });

    // a forged pass first: refused, recorded, nothing opens
    const forged = signPass(issuer.returnPass(Date.now()).fields, generateKeyPairSync("ed25519").privateKey);
    await scan(forged);
    await waitFor("the forged pass refused", () => events("pass.refused").length === 1);
    await b.daemon.kiosk.settled();
    expect(b.pulses()).toEqual([]);
    expect(indicator.patterns().at(-1)).toBe("rejected");

    const pass = issuer.returnPass(Date.now(), { return: { reference: "RMA-E2E", size: "M", carrier: "dhl" } });
    await scan(pass.text);
    await waitFor("a door unlocked for the return", () => b.pulses().length === 1);
    const lockerId = b.pulses()[0]!;
    const locker = b.store.lockers.get(lockerId)!;
    expect(locker.size).toBe("M");
    expect(locker.position).toBe(Math.min(...b.store.lockers.list().filter((l) => l.size === "M").map((l) => l.position)));
    b.open(lockerId);
    b.close(lockerId);
    await waitFor("the return stored", () => events("return.stored").length === 1);
    const stored = events("return.stored")[0]!;
    expect(stored).toMatchObject({ lockerId, data: { passId: pass.fields.passId, reference: "RMA-E2E", size: "M", carrier: "dhl" } });
    expect(b.store.lockers.get(lockerId)!.status).toBe("OCCUPIED");
    // the bank is offline: the event waits in the outbox
    expect(b.store.events.query({ type: "return.stored", limit: 1 })[0]!.sentAt).toBeNull();

    // the same one-time pass again: refused as used
    await scan(pass.text);
    await waitFor("the second use refused", () => events("pass.refused").length === 2);
    expect(events("pass.refused")[1]!.data).toMatchObject({ passId: pass.fields.passId, reason: "used" });

    // a courier with a pass (nothing about them configured on this bank) collects the return
    await scan(issuer.courierPass(Date.now()).text);
    await waitFor("courier mode", () => b.daemon.kiosk.state().mode === "courier");
    expect(b.daemon.kiosk.state()).toMatchObject({ courierId: "dhl:anna" });
    expect(events("courier.session_started")[0]!.data).toEqual({ courierId: "dhl:anna", via: "pass" });
    keypad.press("9");
    await waitFor("the return's door unlocked", () => b.pulses().length === 2);
    expect(b.pulses()[1]).toBe(lockerId);
    b.open(lockerId);
    await waitFor("the return collected", () => events("return.collected").length === 1);
    expect(events("return.collected")[0]).toMatchObject({ lockerId, parcelId: stored.parcelId, data: { carrier: "dhl", reference: "RMA-E2E" } });
    b.close(lockerId);
    await waitFor("the locker free again", () => b.store.lockers.get(lockerId)!.status === "AVAILABLE");
    await b.daemon.kiosk.settled();
    // nothing more for dhl: no other door opens
    keypad.press("9");
    await b.daemon.kiosk.settled();
    expect(b.pulses()).toHaveLength(2);
  });
});

/**
 * A customer takes their parcel and shuts the door within a second, while the next customer is
 * already typing at the keypad (which holds the board polls so their unlock finds the bus free).
 * The door's opening must still be seen: the parcel is picked up, not left "stored" behind a door
 * reported jammed. Real daemon and CU16 driver, boards simulated over a socat pty pair.
 */
import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { startDaemon } from "../../src/daemon.js";
import { createLogger } from "../../src/system/logger.js";
import { cu16SimBank } from "../support/cu16-sim-bank.js";
import { waitFor } from "../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it("a door opened and shut quickly after a pickup, while the next customer types, is seen: the parcel is picked up", async () => {
  // the simulated person opens 80 ms after an unlock and shuts the door 600 ms later
  const { config } = await cu16SimBank(cleanups);
  const daemon = await startDaemon(config(), createLogger({ level: "silent" }));
  cleanups.push(() => daemon.stop());
  const { ctx, store, supervisor } = daemon;

  const a = await assignLocker(ctx, { size: "S" });
  await waitFor("the deposit to be stored", () => store.parcels.get(a.parcelId)?.status === "STORED");

  await pickupByCode(ctx, a.pickupCode, { channel: "http" });
  // the next customer types a digit every 100 ms for 1.2 s (each one holds the polls 1.5 s)
  const t0 = Date.now();
  while (Date.now() - t0 < 1200) {
    supervisor.expectUnlock();
    await sleep(100);
  }
  expect(store.parcels.get(a.parcelId)?.status).toBe("PICKED_UP");
  expect(store.events.query({ type: "door.open_timeout" })).toEqual([]);
});

/**
 * The daemon restarts while one lock board does not answer; meanwhile someone forces two of
 * that board's doors. When the board answers, the doors are reconciled against the database:
 * both are tamper alarms, the one with a parcel behind it says so. Real daemon, real CU16
 * driver, simulated boards over a socat pty pair.
 */
import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { hex } from "../../src/drivers/serial/checksum.js";
import { createLogger } from "../../src/system/logger.js";
import { cu16SimBank } from "../support/cu16-sim-bank.js";
import { waitFor } from "../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

it("a door forced while its board was offline since start is reported when the board answers", async () => {
  const { bus, config } = await cu16SimBank(cleanups);
  const log = createLogger({ level: "silent" });

  // First run: three L parcels; the third goes to C05, board 1 channel 1.
  let daemon: Daemon = await startDaemon(config(), log);
  const first = daemon;
  cleanups.push(() => first.stop());
  const parcels: Awaited<ReturnType<typeof assignLocker>>[] = [];
  for (let i = 0; i < 3; i++) parcels.push(await assignLocker(daemon.ctx, { size: "L", trackingRef: `REF-${i}` }));
  const inC05 = parcels.find((p) => p.lockerId === "C05")!;
  expect(inC05).toBeDefined();
  await waitFor("the deposits to be stored", () => parcels.every((p) => daemon.store.parcels.get(p.parcelId)?.status === "STORED"));
  await daemon.stop();

  // Board 1 goes quiet; while the daemon is down and after it restarts, C05 (a parcel inside)
  // and D03 (empty) are forced.
  const board1 = bus.board(1);
  board1.behaviour.silent = true;
  board1.setDoor(1, true);
  daemon = await startDaemon(config(), log);
  const restarted = daemon;
  cleanups.push(() => restarted.stop());
  const store = daemon.store;
  expect(store.events.query({ type: "hardware.offline" }).at(-1)?.data).toMatchObject({ lockers: ["C05", "C06", "D01", "D02", "D03", "D04", "D05", "D06"] });
  board1.setDoor(5, true);
  const asked = bus.received.length;
  await waitFor("board 1 to be asked again", () => bus.received.slice(asked).some((f) => hex(f) === "02 10 30 03 45"));
  expect(store.events.query({ type: "alarm.door_forced" })).toEqual([]);

  board1.behaviour.silent = false;
  await waitFor("both alarms", () => store.events.query({ type: "alarm.door_forced" }).length === 2);
  const alarms = store.events.query({ type: "alarm.door_forced" });
  const c05 = alarms.find((e) => e.lockerId === "C05")!;
  const d03 = alarms.find((e) => e.lockerId === "D03")!;
  expect(c05.parcelId).toBe(inC05.parcelId);
  expect(c05.data).toEqual({ foundOpen: true, holdsParcel: true, lockerStatus: "OCCUPIED", parcelStatus: "STORED" });
  expect(d03.parcelId).toBeNull();
  expect(d03.data).toEqual({ foundOpen: true, holdsParcel: false, lockerStatus: "AVAILABLE", parcelStatus: null });
  expect(store.events.query({ type: "hardware.online" })).toHaveLength(1);
  // The forced doors are not handed to a new parcel; the parcel is not consumed.
  expect(daemon.supervisor.openUnattended()).toEqual(new Set(["C05", "D03"]));
  expect(store.parcels.get(inC05.parcelId)?.status).toBe("STORED");

  board1.setDoor(5, false);
  await waitFor("D03's close", () => store.events.query({ type: "alarm.door_closed" }).length === 1);
  expect(store.events.query({ type: "alarm.door_closed" })[0]!.lockerId).toBe("D03");
  expect(store.events.query({ type: "alarm.door_forced" })).toHaveLength(2);
});

/**
 * A keypad lockout that runs out by itself ends its alarm (kiosk.lockout_ended), under a test
 * clock: once, never repeated; not while the alarm's throttle still covers later lockouts; not
 * while another source's alarmed lockout lasts (the fleet has one pickup_lockout alarm per bank);
 * not after a technician cleared it (that event already ended the alarm). A technician's clear
 * names the other sources whose alarm is not over (the fleet's alarm stays open for them).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { AttemptLimiter, DEFAULT_CODE_LIMITER, DEFAULT_PIN_LIMITER } from "../../src/bank/attempts.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { FakeClock } from "../support/clock.js";

let dir: string | null = null;
let store: Store | null = null;
afterEach(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
  store = null;
});

const START = Date.UTC(2026, 2, 1, 8, 0, 0);

function setup() {
  dir = mkdtempSync(join(tmpdir(), "lockerd-lockout-ended-"));
  const clock = new FakeClock(START);
  store = new Store(openDatabase(join(dir, "db.sqlite")));
  const s = store;
  // codes: 40 s lockouts, one alarm an hour; PINs (":pin"): doubling from 1 min, every trip alarms
  const limiter = new AttemptLimiter(s, clock, { codes: DEFAULT_CODE_LIMITER, pins: DEFAULT_PIN_LIMITER });
  const trip = (source: string) => {
    for (let i = 0; i < 5; i++) limiter.recordFailure(source);
  };
  const events = (type: string) => s.events.query({ type }).map((e) => e.data);
  return { limiter, clock, trip, alarms: () => events("alarm.pickup_lockout"), ends: () => events("kiosk.lockout_ended") };
}

it("a PIN lockout that runs out ends its alarm once, and the next trip alarms again", () => {
  const { limiter, clock, trip, alarms, ends } = setup();
  trip("keypad:main:pin");
  expect(alarms()).toHaveLength(1);
  clock.advance(59_999);
  expect(limiter.endRunOutAlarms()).toEqual([]);
  expect(ends()).toEqual([]);

  clock.advance(1);
  expect(limiter.endRunOutAlarms()).toEqual(["keypad:main:pin"]);
  expect(ends()).toEqual([{ source: "keypad:main:pin", alarmedAt: new Date(START).toISOString(), endedAt: new Date(START + 60_000).toISOString() }]);
  for (let i = 0; i < 3; i++) {
    clock.advance(60_000);
    expect(limiter.endRunOutAlarms()).toEqual([]);
  }
  expect(ends()).toHaveLength(1);

  trip("keypad:main:pin");
  expect(alarms()).toHaveLength(2);
});

it("a code lockout's alarm lasts while its throttle keeps later lockouts quiet, then ends once", () => {
  const { limiter, clock, trip, alarms, ends } = setup();
  trip("keypad:main");
  clock.advance(41_000);
  // free again, but a lockout now would raise no alarm: the open one stands for it
  expect(limiter.endRunOutAlarms()).toEqual([]);
  trip("keypad:main");
  expect(alarms()).toHaveLength(1);
  clock.advance(3_600_000 - 41_000 - 1);
  expect(limiter.endRunOutAlarms()).toEqual([]);
  clock.advance(1);
  expect(limiter.endRunOutAlarms()).toEqual(["keypad:main"]);
  expect(limiter.endRunOutAlarms()).toEqual([]);
  expect(ends()).toEqual([{ source: "keypad:main", alarmedAt: new Date(START).toISOString(), endedAt: new Date(START + 3_600_000).toISOString() }]);
  trip("keypad:main");
  expect(alarms()).toHaveLength(2);
});

it("ends nothing while another source's alarmed lockout lasts, then ends both", () => {
  const { limiter, clock, trip, ends } = setup();
  trip("keypad:main:pin");
  clock.advance(30_000);
  trip("http:token:front:pin");
  clock.advance(30_000);
  // the keypad's ran out, the HTTP caller's has 30 s to go
  expect(limiter.endRunOutAlarms()).toEqual([]);
  clock.advance(30_000);
  expect(limiter.endRunOutAlarms()).toEqual(["http:token:front:pin", "keypad:main:pin"]);
  expect(ends().map((d) => d.source)).toEqual(["http:token:front:pin", "keypad:main:pin"]);
});

it("a lockout a technician cleared is not ended again, and its next trip alarms at once", () => {
  const { limiter, clock, trip, alarms, ends } = setup();
  trip("keypad:main");
  limiter.clear("keypad:main", "technician");
  clock.advance(3_600_001);
  expect(limiter.endRunOutAlarms()).toEqual([]);
  expect(ends()).toEqual([]);

  trip("keypad:main");
  limiter.clear("keypad:main", "technician");
  trip("keypad:main");
  // one alarm an hour, but each clear ended the fleet's alarm: each new lockout raises one
  expect(alarms()).toHaveLength(3);
  expect(limiter.endRunOutAlarms()).toEqual([]);
});

it("a technician's clear names the other sources whose alarm is not over (the fleet's alarm stays open for them)", () => {
  const { limiter, clock, trip, ends } = setup();
  const cleared = () => store!.events.query({ type: "kiosk.lockout_cleared" }).map((e) => e.data);
  trip("keypad:main:pin");
  trip("scanner:door");
  limiter.clear("keypad:main:pin", "technician");
  expect(cleared().at(-1)).toMatchObject({ source: "keypad:main:pin", stillAlarmed: ["scanner:door"] });
  limiter.clear("scanner:door", "technician");
  expect(cleared().at(-1)).toMatchObject({ source: "scanner:door", stillAlarmed: [] });
  expect(limiter.endRunOutAlarms()).toEqual([]);

  // a source whose alarm is over, not yet swept, holds nothing open; its end still follows
  trip("keypad:side:pin");
  trip("http:token:front:pin");
  clock.advance(60_000);
  limiter.clear("http:token:front:pin", "technician");
  expect(cleared().at(-1)).toMatchObject({ source: "http:token:front:pin", stillAlarmed: [] });
  expect(limiter.endRunOutAlarms()).toEqual(["keypad:side:pin"]);
  expect(ends().map((d) => d.source)).toEqual(["keypad:side:pin"]);
});

it("a sweep with no alarmed lockout records nothing", () => {
  const { limiter, clock, ends } = setup();
  clock.advance(1000);
  const before = store!.events.query({}).length;
  expect(limiter.endRunOutAlarms()).toEqual([]);
  expect(store!.events.query({}).length).toBe(before);
  expect(ends()).toEqual([]);
});

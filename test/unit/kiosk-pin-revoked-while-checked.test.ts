/**
 * A courier PIN is checked over several awaits (scrypt): a revocation committed in between must
 * not let the session start. The kiosk is built directly, with a directory that holds the
 * matched courier until the test has revoked it.
 */
import { afterEach, expect, it } from "vitest";
import { pinSourceKey } from "../../src/bank/attempts.js";
import { revokeCourierCredential } from "../../src/bank/couriers.js";
import { loadConfig } from "../../src/config/load.js";
import { CourierDirectory, hashPin, type Courier } from "../../src/kiosk/couriers.js";
import { Kiosk } from "../../src/kiosk/kiosk.js";
import { kioskSettings } from "../../src/kiosk/start.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { createTestBank, type RecordedDoorsBank } from "../support/bank.js";
import { silentLog } from "../support/log.js";

class HeldDirectory extends CourierDirectory {
  matched!: Promise<void>;
  release!: () => void;
  private matchedNow!: () => void;
  private readonly held: Promise<void>;

  constructor(...args: ConstructorParameters<typeof CourierDirectory>) {
    super(...args);
    this.matched = new Promise((r) => (this.matchedNow = r));
    this.held = new Promise((r) => (this.release = r));
  }

  override async byPin(pin: string): Promise<Courier | null> {
    const c = await super.byPin(pin);
    this.matchedNow();
    await this.held;
    return c;
  }
}

let b: RecordedDoorsBank | null = null;
afterEach(async () => {
  await b?.dispose();
  b = null;
});

it("a PIN whose courier is revoked while it is being checked starts no session and is not counted as a guess", async () => {
  // Recorded doors: no door moves here, a rejected PIN unlocks nothing.
  b = await createTestBank({ doors: "recorded" });
  const ctx = b.ctx;
  const couriers = [{ id: "alice", name: "Alice", pinHash: await hashPin("24681357") }];
  ctx.couriers = couriers;
  const cfg = loadConfig({ env: {} });
  const indicator = new SimIndicator();
  const directory = new HeldDirectory(couriers, () => ctx.store.couriers.all());
  const kiosk = new Kiosk({ ctx, couriers: directory, indicator, log: silentLog, settings: kioskSettings(cfg) });
  kiosk.start();
  try {
    for (const k of "#24681357#") kiosk.key(k as "#");
    await directory.matched;
    ctx.store.write(() => revokeCourierCredential(ctx, "alice", 7));
    directory.release();
    await kiosk.settled();
    expect(kiosk.state().mode).toBe("customer");
    expect(indicator.patterns()).toEqual(["rejected"]);
    expect(ctx.store.events.query({ type: "courier.session_started" })).toEqual([]);
    expect(ctx.store.attempts.get(pinSourceKey({ channel: "keypad", id: kioskSettings(cfg).keypadName })).failures).toEqual([]);
  } finally {
    await kiosk.stop();
  }
});

/**
 * Issue 24 item 2: a vandal typing a wrong code every 2 s, for as long as they like, at the
 * keypad (or through the HTTP kiosk token everyone's kiosk app shares), and customers with valid
 * codes arriving meanwhile, each retrying every 5 s (the time it takes to type a code again)
 * until their door opens. On a fake clock, through the bank's own pickup (and so its limiter).
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_ATTEMPTS, DEFAULT_PIN_LIMITER, type AttemptRules } from "../../src/bank/attempts.js";
import type { Assignment } from "../../src/bank/assign.js";
import { isLockerdError } from "../../src/basics/errors.js";
import { pickupByCode, type PickupSource } from "../../src/bank/pickup.js";
import { createTestBank, type TestBank } from "../support/bank.js";

let bank: TestBank | null = null;
afterEach(async () => {
  await bank?.dispose();
  bank = null;
});

const VANDAL_EVERY_MS = 2_000;
const CUSTOMER_RETRY_MS = 5_000;
const CUSTOMERS = 30;
/** Customers arrive at uneven times: every 113 s, so they meet the lockout cycle in every phase. */
const ARRIVAL_EVERY_MS = 113_000;

/** The longest any customer waited from their first try to the try that opened their door. */
async function longestWait(rules: AttemptRules, source: PickupSource): Promise<number> {
  const lockers = Array.from({ length: CUSTOMERS }, (_, i) => [`A${String(i + 1).padStart(2, "0")}`, "S"] as const);
  bank = await createTestBank({ lockers, policy: { attempts: rules } });
  const b = bank;
  const parcels: Assignment[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const a = await b.assign("S");
    b.deposit(a);
    parcels.push(a);
  }
  const start = b.clock.now();
  const waits: number[] = [];
  const pending = parcels.map((a, i) => ({ code: a.pickupCode, firstTry: start + 7_000 + i * ARRIVAL_EVERY_MS, nextTry: start + 7_000 + i * ARRIVAL_EVERY_MS }));
  let vandalNext = start;
  let wrong = 0;
  // One event at a time, in time order: the vandal's next wrong code, or a customer's next try.
  while (pending.length) {
    const customer = pending.reduce((x, y) => (y.nextTry < x.nextTry ? y : x));
    const at = Math.min(vandalNext, customer.nextTry);
    b.clock.advance(at - b.clock.now());
    if (at === vandalNext) {
      const code = String(10_000_000 + (wrong++ % 89_999_999));
      await expect(pickupByCode(b.ctx, code, source)).rejects.toSatisfy((e) => isLockerdError(e, "INVALID_CODE") || isLockerdError(e, "TOO_MANY_ATTEMPTS"));
      vandalNext += VANDAL_EVERY_MS;
      continue;
    }
    try {
      await pickupByCode(b.ctx, customer.code, source);
      waits.push(at - customer.firstTry);
      pending.splice(pending.indexOf(customer), 1);
    } catch (e) {
      if (!isLockerdError(e, "TOO_MANY_ATTEMPTS")) throw e;
      customer.nextTry += CUSTOMER_RETRY_MS;
      // A customer who waited ten minutes is not coming back: the test has its answer.
      if (customer.nextTry - customer.firstTry > 600_000) {
        waits.push(Infinity);
        pending.splice(pending.indexOf(customer), 1);
      }
    }
  }
  return Math.max(...waits);
}

describe("a vandal typing wrong codes every 2 s", () => {
  it("keeps no customer with a valid code at the keypad waiting more than 60 s", async () => {
    expect(await longestWait(DEFAULT_ATTEMPTS, { channel: "keypad", id: "main" })).toBeLessThanOrEqual(60_000);
  });

  it("keeps no customer of an HTTP kiosk app that shares one token waiting more than 60 s", async () => {
    expect(await longestWait(DEFAULT_ATTEMPTS, { channel: "http", id: "token:front-kiosk" })).toBeLessThanOrEqual(60_000);
  });

  it("locked customers out with lockouts doubling to 24 h (the earlier rules, now the PINs')", async () => {
    expect(await longestWait({ codes: DEFAULT_PIN_LIMITER, pins: DEFAULT_PIN_LIMITER }, { channel: "keypad", id: "main" })).toBeGreaterThan(60_000);
  });
});

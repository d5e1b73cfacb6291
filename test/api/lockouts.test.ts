/**
 * GET /lockouts and DELETE /lockouts/:source: a technician sees which source failed how often
 * and which is locked out (never a code), lifts a lockout, and the lockouts remembered stay (the
 * codes' lockout is a fixed one by default: the next is as long, never shorter).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { call, startBank, TOKENS, type TestBank } from "./support.js";

let bank: TestBank;
beforeAll(async () => {
  bank = await startBank();
});
afterAll(async () => {
  await bank.stop();
});

const wrong = (n: number) => String(10_000_000 + n);

it("lists failing sources, lifts a lockout on request, and remembers the lockouts", async () => {
  expect((await call(bank.url, "/lockouts", { token: TOKENS.monitor })).json()).toEqual({ lockouts: [] });
  const max = bank.daemon.attempts.rules.codes.maxFailures;
  for (let i = 0; i < max; i++) await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code: wrong(i) } });
  const locked = (await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code: wrong(99) } }));
  expect(locked.status).toBe(429);

  const list = await call(bank.url, "/lockouts", { token: TOKENS.monitor });
  expect(list.status).toBe(200);
  const [entry] = (list.json() as { lockouts: { source: string; lockedForMs: number; trips: number; lockedUntil: string | null }[] }).lockouts;
  expect(entry).toMatchObject({ source: expect.stringMatching(/^http:/), failures: 0, remaining: 0, trips: 1 });
  expect(entry!.lockedForMs).toBeGreaterThan(0);
  expect(list.text).not.toMatch(/1000000\d/);
  const firstLockout = entry!.lockedForMs;

  // a monitor may look but not clear; an unknown source is 404
  const path = `/lockouts/${encodeURIComponent(entry!.source)}`;
  expect((await call(bank.url, path, { method: "DELETE", token: TOKENS.monitor })).status).toBe(403);
  expect((await call(bank.url, "/lockouts/keypad%3Anowhere", { method: "DELETE", token: TOKENS.technician })).json()).toMatchObject({ code: "NOT_FOUND" });

  const cleared = await call(bank.url, path, { method: "DELETE", token: TOKENS.technician });
  expect(cleared.status).toBe(200);
  expect(cleared.json()).toMatchObject({ source: entry!.source, lockedUntil: null, lockedForMs: 0, failures: 0, remaining: max, trips: 1 });
  const event = bank.daemon.store.events.query({ type: "kiosk.lockout_cleared", limit: 5 });
  expect(event.map((e) => e.data)).toEqual([{ source: entry!.source, by: "test-technician", wasLockedForMs: expect.any(Number), failures: 0, stillAlarmed: [] }]);

  // codes are accepted again (a wrong one is just wrong), and the next trip locks out longer
  const again = await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code: wrong(100) } });
  expect((again.json() as { code: string }).code).toBe("INVALID_CODE");
  for (let i = 1; i < max; i++) await call(bank.url, "/pickup", { token: TOKENS.kiosk, body: { code: wrong(200 + i) } });
  const second = (await call(bank.url, "/lockouts", { token: TOKENS.technician })).json() as { lockouts: { lockedForMs: number; trips: number }[] };
  expect(second.lockouts[0]!.trips).toBe(2);
  // (lockedForMs counts down from the moment of the lock: compare with the rule, not the clock)
  const rule = bank.daemon.attempts.rules.codes;
  const full = Math.min(rule.maxLockoutMs, rule.baseLockoutMs * rule.lockoutGrowth);
  expect(second.lockouts[0]!.lockedForMs).toBeGreaterThan(full - 5_000);
  expect(second.lockouts[0]!.lockedForMs).toBeLessThanOrEqual(full);
  expect(firstLockout).toBeLessThanOrEqual(rule.baseLockoutMs);
});

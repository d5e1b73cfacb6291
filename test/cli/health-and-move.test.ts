/**
 * lockerctl health and lockerctl move against a real daemon (simulated bank): the health table
 * and one locker's outcomes, a move's answer, and usage errors that name what was expected.
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { Bank, until } from "./harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let bank: Bank;
beforeAll(async () => {
  bank = new Bank({ doors: { openTimeoutMs: 1000 } });
  await bank.start();
});
afterAll(async () => {
  await bank.cleanup();
});

it("lockerctl health lists every compartment's score and one locker's unlock outcomes; move re-homes a parcel", async () => {
  // a deposit and its pickup: A01 cycles twice
  const a = await bank.api<{ parcelId: string; lockerId: string; pickupCode: string }>("POST", "/lockers/assign", { size: "S" });
  expect(a.status).toBe(201);
  await until("stored", async () => (await bank.api<{ status: string }>("GET", `/lockers/${a.body.lockerId}`)).body.status === "OCCUPIED");

  const table = await bank.cli(["health"]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/LOCKER\s+SCORE\s+CYCLES\/RATED\s+FAILED\s+JAMS\s+SENSOR\s+BOARD\s+STATUS/);
  expect(table.stdout).toMatch(new RegExp(`${a.body.lockerId}\\s+100\\s+1/500000\\s+0\\s+0\\s+0\\s+0\\s+occupied`));
  expect(table.stdout).toMatch(/threshold 50; 0 below it/);

  const one = await bank.cli(["health", a.body.lockerId.toLowerCase()]);
  expect(one.code).toBe(0);
  expect(one.stdout).toContain(`locker ${a.body.lockerId} (occupied): score 100`);
  expect(one.stdout).toContain("cycles 1 of 500000 rated (0.0%)");
  expect(one.stdout).toMatch(/deposit\s+opened\s+board: none_expected/);
  const json = JSON.parse((await bank.cli(["health", a.body.lockerId, "--json"])).stdout) as { jams: number; unlocks: unknown[] };
  expect(json).toMatchObject({ jams: 0, unlocks: [expect.objectContaining({ outcome: "opened" })] });

  // move: usage errors, a refusal, then the move itself
  expect((await bank.cli(["move", "A01"])).code).toBe(2);
  const badId = await bank.cli(["move", "A01", "B"]);
  expect(badId.code).toBe(2);
  expect(badId.stderr).toContain("not a locker id: B");
  const target = a.body.lockerId === "A02" ? "A03" : "A02";
  const moved = await bank.cli(["move", a.body.lockerId, target]);
  expect(moved.stderr).toBe("");
  expect(moved.code).toBe(0);
  expect(moved.stdout).toContain(`parcel ${a.body.parcelId}: moved from ${a.body.lockerId} to ${target}`);
  const again = await bank.cli(["move", a.body.lockerId, target]);
  expect(again.code).not.toBe(0);
  expect(again.stderr).toContain(`holds no stored parcel`);

  // the code opens the new locker
  const p = await bank.api<{ lockerId: string }>("POST", "/pickup", { code: a.body.pickupCode });
  expect(p.body.lockerId).toBe(target);
});

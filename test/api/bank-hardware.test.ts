/** GET /bank tells which lockers' hardware does not answer now, from the driver itself (not from past events). */
import { afterAll, beforeAll, expect, it } from "vitest";
import { call, startBank, TOKENS, type TestBank } from "./support.js";

let bank: TestBank;
beforeAll(async () => {
  bank = await startBank();
});
afterAll(async () => {
  await bank.stop();
});

const offline = async () => ((await call(bank.url, "/bank", { token: TOKENS.monitor })).json() as { hardwareOffline: string[] }).hardwareOffline;

it("lists the lockers whose hardware is unplugged, and none once it is back", async () => {
  expect(await offline()).toEqual([]);
  expect((await call(bank.url, "/sim/hardware", { token: TOKENS.technician, body: { online: false } })).status).toBe(200);
  const all = bank.daemon.layout.lockers.map((l) => l.id).sort();
  expect(await offline()).toEqual(all);
  await call(bank.url, "/sim/hardware", { token: TOKENS.technician, body: { online: true } });
  expect(await offline()).toEqual([]);
});

/** What POST /lockers/assign answers when it cannot assign: the truth, with a stable code. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startBank, TOKENS, type TestBank } from "./support.js";

let bank: TestBank;
beforeAll(async () => {
  bank = await startBank({ person: false });
});
afterAll(async () => bank.stop());

const assign = (body: unknown, headers: Record<string, string> = {}) => call(bank.url, "/lockers/assign", { token: TOKENS.courier, body, headers });

describe("POST /lockers/assign", () => {
  it("answers 409 PARCEL_ALREADY_IN_BANK, with the locker, for a tracking ref already in the bank", async () => {
    const first = await assign({ size: "S", parcel: "DUP-1" });
    expect(first.status).toBe(201);
    const { lockerId, parcelId } = first.json() as { lockerId: string; parcelId: string };
    const again = await assign({ size: "M", parcel: "DUP-1" });
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ code: "PARCEL_ALREADY_IN_BANK", lockerId, parcelId });
    expect(bank.daemon.store.parcels.find({ trackingRef: "DUP-1" })).toHaveLength(1);
  });

  it("answers 503 HARDWARE_OFFLINE, not 409 NO_LOCKER_AVAILABLE, with the lock board unplugged", async () => {
    expect((await call(bank.url, "/sim/hardware", { token: TOKENS.technician, body: { online: false } })).status).toBeLessThan(300);
    try {
      const r = await assign({ size: "S" });
      expect(r.status).toBe(503);
      expect(r.json()).toMatchObject({ code: "HARDWARE_OFFLINE", size: "S" });
    } finally {
      await call(bank.url, "/sim/hardware", { token: TOKENS.technician, body: { online: true } });
    }
  });
});

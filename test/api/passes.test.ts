/** The local API and passes: a technician pass is a technician until its notAfter; returns show in the views; assign takes `reachable`. */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropReturn } from "../../src/bank/returns.js";
import { signPass } from "../../src/signing/pass.js";
import { passIssuer } from "../support/passes.js";
import { call, startBank, TOKENS, until, type TestBank } from "./support.js";

const issuer = passIssuer();
let bank: TestBank;

beforeAll(async () => {
  bank = await startBank({ config: { bank: { id: "B1" }, passes: { trustedKeys: [{ name: "test center", publicKey: issuer.publicKey }] } } });
});
afterAll(async () => bank?.stop());

const asPass = (text: string) => ({ headers: { authorization: `Pass ${text}` } });

describe("Authorization: Pass", () => {
  it("a technician pass is a technician: its use is recorded once, not per request", async () => {
    const p = issuer.technicianPass(Date.now());
    const r = await call(bank.url, "/daemon", asPass(p.text));
    expect(r.status).toBe(200);
    expect((await call(bank.url, "/couriers", asPass(p.text))).status).toBe(200);
    const used = bank.daemon.store.events.query({ type: "pass.used", limit: 100 });
    expect(used.filter((e) => e.data.passId === p.fields.passId)).toHaveLength(1);
  });

  it("refuses (401) a forged, expired, revoked pass, one for another bank, and a courier's; forged ones leave no event", async () => {
    const now = Date.now();
    const before = bank.daemon.store.events.query({ type: "pass.refused", limit: 1000 }).length;
    const forged = signPass(issuer.technicianPass(now).fields, generateKeyPairSync("ed25519").privateKey);
    const expired = issuer.technicianPass(now - 5 * 3_600_000);
    const elsewhere = issuer.technicianPass(now, { banks: ["B2"] });
    const courier = issuer.courierPass(now);
    const revoked = issuer.technicianPass(now);
    bank.daemon.store.write(() => bank.daemon.store.passes.addRevocations([{ revocationId: 1, passId: revoked.fields.passId, subject: null, notAfter: revoked.fields.notAfter }]));
    for (const text of [forged, expired.text, elsewhere.text, courier.text, revoked.text, "LP1GARBAGE"]) {
      const r = await call(bank.url, "/daemon", asPass(text));
      expect(r.status, text.slice(0, 20)).toBe(401);
      expect((r.json() as { code: string }).code).toBe("UNAUTHORIZED");
    }
    // again: nothing more recorded for the same refusals within the hour
    await call(bank.url, "/daemon", asPass(expired.text));
    const reasons = bank.daemon.store.events
      .query({ type: "pass.refused", limit: 1000 })
      .slice(before)
      .map((e) => e.data.reason);
    expect(reasons).toEqual(["expired", "wrong_bank", "wrong_kind", "revoked"]);
  });

  it("a technician pass reaches technician-only routes", async () => {
    const p = issuer.technicianPass(Date.now());
    const r = await call(bank.url, "/lockouts", asPass(p.text));
    expect(r.status).toBe(200);
  });
});

describe("returns in the views, and reachable assignment", () => {
  it("a stored return shows as a return in /packages and as held by a return in /lockers/status", async () => {
    const drop = await dropReturn(bank.daemon.ctx, issuer.returnPass(Date.now(), { return: { reference: "RMA-API", size: "S", carrier: "dhl" } }).text);
    await until("the return is stored", () => bank.daemon.store.parcels.get(drop.parcelId)?.status === "STORED", 10_000);
    const pkg = (await call(bank.url, `/packages/${drop.parcelId}`, { token: TOKENS.monitor })).json();
    expect(pkg).toMatchObject({ parcelId: drop.parcelId, kind: "return", carrier: "dhl", trackingRef: "RMA-API", status: "STORED" });
    const status = (await call(bank.url, "/lockers/status", { token: TOKENS.monitor })).json() as { lockers: { id: string; holds: string | null }[] };
    expect(status.lockers.find((l) => l.id === drop.lockerId)!.holds).toBe("return");
  });

  it("assign takes reachable (a boolean; the demo layout's 70-100 cm doors) and says what is wrong otherwise", async () => {
    const bad = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S", reachable: "yes" } });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/reachable/);
    const ok = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S", reachable: true } });
    expect(ok.status).toBe(201);
    expect(ok.json()).toMatchObject({ lockerId: "A04" }); // A01-A03 are higher than 122 cm
    const plain = await call(bank.url, "/lockers/assign", { token: TOKENS.courier, body: { size: "S" } });
    expect((plain.json() as { lockerId: string }).lockerId).toMatch(/^A0[123]$/);
  });
});

/**
 * One courier pass, three banks of the fleet that were never told of this courier (no badge, no
 * PIN): it signs in at the two banks it names, not at the third; at a bank whose copy of the
 * revocations includes it, it is refused, and a session it started there ends at the next key.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { passIssuer } from "../support/passes.js";

let banks: DaemonTestBank<Clock>[] = [];
afterEach(async () => {
  for (const b of banks) await b.dispose();
  banks = [];
});

const issuer = passIssuer();

async function bankNamed(id: string) {
  const keypad = new SimKeypad();
  const scanner = new SimScanner();
  const indicator = new SimIndicator();
  const t = await createTestBank({
    daemon: { config: { bank: { id }, passes: { trustedKeys: [{ name: "test center", publicKey: issuer.publicKey }] } }, input: { keypad, scanner, indicator } },
    clock: "system",
  });
  banks.push(t);
  return { t, keypad, scanner, indicator };
}

describe("a courier pass", () => {
  it("signs in at both banks it names, with its carrier, and not at a third", async () => {
    const [b1, b2, b3] = [await bankNamed("B1"), await bankNamed("B2"), await bankNamed("B3")];
    const pass = issuer.courierPass(Date.now(), { banks: ["B1", "B2"], courier: { carrier: "gls", courierId: "bert" } });
    for (const b of [b1, b2]) {
      expect(b.scanner.scan(pass.text)).toBe(true);
      await b.t.daemon.kiosk.settled();
      expect(b.t.daemon.kiosk.state()).toMatchObject({ mode: "courier", courierId: "gls:bert" });
      expect(b.indicator.patterns().at(-1)).toBe("courier_mode");
      expect(b.t.store.events.query({ type: "pass.used" }).map((e) => e.data)).toEqual([{ passId: pass.fields.passId, kind: "courier" }]);
      // a courier signed in by pass deposits like any other
      b.scanner.scan("TRK-" + b.t.cfg.bank.id);
      await b.t.daemon.kiosk.settled();
      expect(b.t.store.parcels.find({ trackingRef: "TRK-" + b.t.cfg.bank.id })).toHaveLength(1);
    }
    b3.scanner.scan(pass.text);
    await b3.t.daemon.kiosk.settled();
    expect(b3.t.daemon.kiosk.state().mode).toBe("customer");
    expect(b3.indicator.patterns().at(-1)).toBe("rejected");
    expect(b3.t.store.events.query({ type: "pass.refused" }).map((e) => e.data)).toEqual([{ kind: "courier", passId: pass.fields.passId, reason: "wrong_bank" }]);
  });

  it("is refused once its revocation has arrived, and a session it started ends at the next key", async () => {
    const b = await bankNamed("B1");
    const pass = issuer.courierPass(Date.now(), { banks: [] });
    b.scanner.scan(pass.text);
    await b.t.daemon.kiosk.settled();
    expect(b.t.daemon.kiosk.state().mode).toBe("courier");
    // the revocation arrives with sync (store.passes.addRevocations is what the sync loop calls)
    b.t.store.write(() => b.t.store.passes.addRevocations([{ revocationId: 1, passId: null, subject: "dhl:anna", notAfter: pass.fields.notAfter }]));
    b.keypad.press("2");
    await b.t.daemon.kiosk.settled();
    expect(b.t.daemon.kiosk.state().mode).toBe("customer");
    expect(b.t.store.events.query({ type: "courier.session_ended" }).map((e) => e.data)).toEqual([{ courierId: "dhl:anna", reason: "revoked" }]);
    expect(b.indicator.patterns().at(-1)).toBe("session_ended");
    b.scanner.scan(pass.text);
    await b.t.daemon.kiosk.settled();
    expect(b.t.daemon.kiosk.state().mode).toBe("customer");
    expect(b.t.store.events.query({ type: "pass.refused" }).at(-1)!.data).toMatchObject({ reason: "revoked" });
  });
});

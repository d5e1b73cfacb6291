/** A technician at the bank with nothing but a technician pass: shown at the scanner, it lifts the keypad's lockout (audited); an expired one does not. */
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { passIssuer } from "../support/passes.js";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

const issuer = passIssuer();

describe("a technician pass at the scanner", () => {
  it("lifts the keypad's lockout; an expired pass is refused and the lockout stays", async () => {
    const d = { keypad: new SimKeypad(), scanner: new SimScanner(), indicator: new SimIndicator() };
    t = await createTestBank({ daemon: { config: { bank: { id: "B1" }, passes: { trustedKeys: [{ name: "c", publicKey: issuer.publicKey }] } }, input: d }, clock: "system" });
    const a = await t.depositParcel();
    for (let i = 0; i < 5; i++) d.keypad.press(`0000000${i}#`);
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns().at(-1)).toBe("locked_out");

    d.scanner.scan(issuer.technicianPass(Date.now() - 5 * 3_600_000).text);
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns().at(-1)).toBe("rejected");
    expect(t.daemon.attempts.lockedForMs("keypad:main")).toBeGreaterThan(0);

    d.scanner.scan(issuer.technicianPass(Date.now()).text);
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns().at(-1)).toBe("accepted");
    expect(t.daemon.attempts.lockedForMs("keypad:main")).toBe(0);
    expect(t.store.events.query({ type: "kiosk.lockout_cleared" }).map((e) => e.data)).toMatchObject([{ source: "keypad:main", by: "pass:technician/tech-7" }]);
    d.keypad.press(a.pickupCode + "#");
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns().at(-1)).toBe("door_opening");
  });
});

/**
 * lockerctl couriers and GET /couriers: configured couriers and central's credentials with their
 * state, from the running daemon and from the database when it is down — never a hash.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BankContext } from "../../src/bank/context.js";
import type { CourierView } from "../../src/bank/couriers.js";
import { badgeSha256, hashPin } from "../../src/kiosk/couriers.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { CommandApplier } from "../../src/sync/commands.js";
import { signedCommand, TEST_BANK_ID, testTrust } from "../support/signed-commands.js";
import { silentLog } from "../support/log.js";
import { Bank, type Run } from "./harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const secrets: string[] = [];
let bank: Bank;

const json = <T>(r: Run): T => JSON.parse(r.stdout) as T;

beforeAll(async () => {
  const alicePin = await hashPin("24681357");
  const configured = [
    { id: "alice", name: "Alice", badgeSha256: badgeSha256("BADGE-alice-01"), pinHash: alicePin },
    { id: "dave", name: "Dave", badgeSha256: badgeSha256("BADGE-dave-01") },
  ];
  bank = new Bank({ couriers: configured });
  // Central's commands, applied to the bank's database before the daemon starts.
  const store = new Store(openDatabase(bank.db));
  let t = 0;
  const ctx = { store, clock: { now: () => t, isSynchronised: () => true }, couriers: configured } as unknown as BankContext;
  const carolPin = await hashPin("13572468");
  const commands: [string, Record<string, unknown>][] = [
    ["add_courier_credential", { name: "bob", sha256: badgeSha256("BADGE-bob-01") }],
    ["add_courier_credential", { name: "carol", pinHash: carolPin }],
    ["revoke_courier_credential", { name: "carol" }],
    ["revoke_courier_credential", { name: "alice" }],
    ["add_courier_credential", { name: "Dave", sha256: badgeSha256("BADGE-dave-02") }],
  ];
  const applier = new CommandApplier(ctx, silentLog, testTrust());
  for (const [i, [kind, args]] of commands.entries()) {
    t = Date.UTC(2026, 5, 1, 9, i + 1, 0);
    expect(await applier.apply(signedCommand(100 + i, { bank: TEST_BANK_ID, kind, args, issuedAt: t }))).toBe("done");
  }
  store.close();
  secrets.push(...configured.flatMap((c) => [c.badgeSha256, c.pinHash].filter((x): x is string => !!x)), carolPin, badgeSha256("BADGE-bob-01"), badgeSha256("BADGE-dave-02"));
  await bank.start();
});

afterAll(async () => {
  await bank.cleanup();
});

const EXPECTED = [
  { id: "alice", name: "Alice", source: "config", kind: "badge+pin", status: "revoked", addedAt: null, revokedAt: "2026-06-01T09:04:00.000Z", commandId: 103 },
  { id: "dave", name: "Dave", source: "config", kind: "badge", status: "replaced", addedAt: null, revokedAt: "2026-06-01T09:05:00.000Z", commandId: 104 },
  { id: "dave", name: "Dave", source: "central", kind: "badge", status: "active", addedAt: "2026-06-01T09:05:00.000Z", revokedAt: null, commandId: 104 },
  { id: "bob", name: "bob", source: "central", kind: "badge", status: "active", addedAt: "2026-06-01T09:01:00.000Z", revokedAt: null, commandId: 100 },
  { id: "carol", name: "carol", source: "central", kind: "pin", status: "revoked", addedAt: "2026-06-01T09:02:00.000Z", revokedAt: "2026-06-01T09:03:00.000Z", commandId: 102 },
];

const sorted = (c: CourierView[]) => [...c].sort((a, b) => `${a.name}/${a.source}`.localeCompare(`${b.name}/${b.source}`));

describe("courier listing", () => {
  it("GET /couriers lists configured and central couriers with their state, without hashes", async () => {
    const r = await bank.api<{ couriers: CourierView[] }>("GET", "/couriers");
    expect(r.status).toBe(200);
    expect(sorted(r.body.couriers)).toEqual(sorted(EXPECTED as CourierView[]));
    const text = JSON.stringify(r.body);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toMatch(/scrypt|[0-9a-f]{64}/);
  });

  it("lockerctl couriers shows the same from the daemon, as a table and as JSON", async () => {
    const [human, asJson] = await Promise.all([bank.cli(["couriers"]), bank.cli(["couriers", "--json"])]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^name\s+id\s+source\s+kind\s+status\s+added\s+revoked\s+command/);
    expect(human.stdout).toMatch(/Alice\s+alice\s+config\s+badge\+pin\s+revoked/);
    expect(human.stdout).toMatch(/carol\s+carol\s+central\s+pin\s+revoked/);
    expect(human.stdout).toMatch(/bob\s+bob\s+central\s+badge\s+active/);
    const j = json<{ source: string; couriers: CourierView[] }>(asJson);
    expect(j.source).toBe("daemon");
    expect(sorted(j.couriers)).toEqual(sorted(EXPECTED as CourierView[]));
  });

  it("with the daemon stopped, reads the same from the database and says so", async () => {
    await bank.stop();
    const [human, asJson] = await Promise.all([bank.cli(["couriers"]), bank.cli(["couriers", "--json"])]);
    expect(human.code).toBe(0);
    expect(human.stderr).toContain("the daemon is DOWN");
    expect(human.stdout).toMatch(/Dave\s+dave\s+config\s+badge\s+replaced/);
    const j = json<{ source: string; couriers: CourierView[] }>(asJson);
    expect(j.source).toBe("database");
    expect(sorted(j.couriers)).toEqual(sorted(EXPECTED as CourierView[]));
  });

  it("never printed a hash", () => {
    expect(bank.outputs.length).toBeGreaterThanOrEqual(8);
    for (const out of bank.outputs) {
      for (const s of secrets) expect(out).not.toContain(s);
      expect(out).not.toMatch(/scrypt|[0-9a-f]{64}/);
    }
  });
});

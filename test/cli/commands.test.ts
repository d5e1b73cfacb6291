/**
 * lockerctl commands and GET /commands: the operator keys the bank trusts, its remote-open
 * limit, and the central commands it refused — from the daemon and, when it is down, the database.
 */
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { BankContext } from "../../src/bank/context.js";
import type { CommandTrustView } from "../../src/bank/remote-commands.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { signedCommand, TEST_BANK_ID, testApplier, TEST_OPERATOR, TEST_OPERATOR_CONFIG } from "../support/signed-commands.js";
import { Bank, type Run } from "./harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let bank: Bank;
const json = <T>(r: Run): T => JSON.parse(r.stdout) as T;

beforeAll(async () => {
  bank = new Bank({ bank: { id: TEST_BANK_ID }, commands: { trustedKeys: [TEST_OPERATOR_CONFIG], maxRemoteOpensPerHour: 2 } });
  // central's commands, pulled and checked before the daemon starts (as its sync loop would)
  const store = new Store(openDatabase(bank.db));
  const now = Date.now();
  const ctx = { store, clock: { now: () => now, isSynchronised: () => true }, couriers: [] } as unknown as BankContext;
  const { applier } = testApplier(ctx);
  expect(await applier.apply({ id: 7, kind: "open_door", args: { lockerId: "A01" } })).toBe("refused");
  expect(await applier.apply(signedCommand(8, { bank: "elsewhere", kind: "in_service", args: { lockerId: "A01" }, issuedAt: now }))).toBe("refused");
  expect(await applier.apply(signedCommand(9, { bank: TEST_BANK_ID, kind: "add_courier_credential", args: { name: "dpd-1", sha256: "a".repeat(64) }, issuedAt: now }))).toBe("done");
  store.close();
  await bank.start();
});

afterAll(async () => {
  await bank.cleanup();
});

const expected = (source: string) => ({
  source,
  bankId: TEST_BANK_ID,
  trustedKeys: [{ name: "test-operator", keyId: TEST_OPERATOR.keyId, publicKey: TEST_OPERATOR_CONFIG.publicKey }],
  maxRemoteOpensPerHour: 2,
  remoteOpensLastHour: 0,
  clockSkewMs: 120_000,
  maxValidityMs: 86_400_000,
  refused: [
    { commandId: 8, kind: "in_service", reason: "OTHER_BANK", message: expect.stringContaining("elsewhere"), keyId: TEST_OPERATOR.keyId, at: expect.any(String) },
    { commandId: 7, kind: "open_door", reason: "UNSIGNED", message: expect.any(String), keyId: null, at: expect.any(String) },
  ],
});

it("lockerctl commands shows the trusted keys, the limit and the refused commands, newest first", async () => {
  const api = await bank.api<CommandTrustView>("GET", "/commands");
  expect(api.status).toBe(200);
  const [human, asJson] = await Promise.all([bank.cli(["commands"]), bank.cli(["commands", "--json"])]);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(new RegExp(`test-operator\\s+${TEST_OPERATOR.keyId}`));
  expect(human.stdout).toContain("remote door opens: 0 in the last hour, at most 2");
  expect(human.stdout).toMatch(/8\s+in_service\s+OTHER_BANK/);
  expect(human.stdout).toMatch(/7\s+open_door\s+UNSIGNED/);
  expect(json(asJson)).toEqual(expected("daemon"));
  expect(api.body).toEqual({ ...expected("daemon"), source: undefined });
});

it("with the daemon stopped, reads the same from the configuration and the database", async () => {
  await bank.stop();
  const r = await bank.cli(["commands", "--json"]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("the daemon is DOWN");
  expect(json(r)).toEqual(expected("database"));
});

/**
 * Signed commands in tests: one operator key for the whole test process, the trust a bank
 * built for tests gives it, and commands signed with it (as central would queue them).
 */
import type { BankContext } from "../../src/bank/context.js";
import type { CommandTrust, TrustedKey } from "../../src/bank/remote-commands.js";
import { generateKeyPair, signerFromPem, type Signer } from "../../src/signing/ed25519.js";
import { signCommand, type NewCommand } from "../../src/signing/signed-command.js";
import type { CentralCommand } from "../../src/sync/central-link.js";
import { CommandApplier } from "../../src/sync/commands.js";
import type { TestDatabase } from "./pg.js";
import { silentLog } from "./log.js";

const pair = generateKeyPair();
/** The test operator's key (its private half). */
export const TEST_OPERATOR: Signer = signerFromPem(pair.privatePem);
export const TEST_OPERATOR_PEM = pair.privatePem;
/** The test operator's public key as a bank's configuration names it. */
export const TEST_OPERATOR_CONFIG = { name: "test-operator", publicKey: pair.publicKey.base64 };
/** The bank id recordedDoorsBank-based tests sign for when they do not sync. */
export const TEST_BANK_ID = "test-bank";

export function testTrust(bankId: string = TEST_BANK_ID, over: Partial<CommandTrust> = {}): CommandTrust {
  const key: TrustedKey = { ...TEST_OPERATOR.publicKey, name: "test-operator" };
  return { bankId, keys: new Map([[key.keyId, key]]), maxRemoteOpensPerHour: 1000, clockSkewMs: 120_000, maxValidityMs: 86_400_000, ...over };
}

/** A command as the bank pulls it, signed by the test operator (or `signer`). */
export function signedCommand(id: number, c: NewCommand, signer: Signer = TEST_OPERATOR): CentralCommand {
  const s = signCommand(signer, c);
  return { id, kind: c.kind, args: c.args, signedPayload: s.payload, signature: s.signature };
}

/** An applier trusting the test operator; command(kind, args) signs with the bank's clock and applies. */
export function testApplier(ctx: BankContext, bankId: string = TEST_BANK_ID, over: Partial<CommandTrust> = {}) {
  const applier = new CommandApplier(ctx, silentLog, testTrust(bankId, over));
  let next = 1000;
  return {
    applier,
    command: (kind: string, args: Record<string, unknown>, id = next++) => applier.apply(signedCommand(id, { bank: bankId, kind, args, issuedAt: ctx.clock.now() })),
  };
}

/** Sign and INSERT a command into central.bank_commands (as an operator would); returns its id. */
export async function queueSigned(db: TestDatabase, bankId: string, kind: string, args: Record<string, unknown>, opts: Partial<NewCommand> & { signer?: Signer } = {}): Promise<number> {
  const s = signCommand(opts.signer ?? TEST_OPERATOR, { bank: bankId, kind, args, issuedAt: Date.now(), ...opts });
  const r = await db.admin<{ id: string }>(
    `INSERT INTO central.bank_commands (bank_id, kind, args, signed_payload, signature, signed_id, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [bankId, kind, args, s.payload, s.signature, s.fields.id, s.fields.keyId],
  );
  return Number(r.rows[0]!.id);
}

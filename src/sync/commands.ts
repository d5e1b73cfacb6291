/**
 * Commands from the central database, applied through the bank's use cases exactly once, and
 * only when an operator's key signed them (bank/remote-commands.ts checks signature, bank,
 * validity, replay and the door limits; a refusal is an alarm and the command's failure). What
 * runs is the signed payload's kind and arguments, never the central row's.
 *
 * The command's id is claimed in sync_commands in the same transaction as its effect and its
 * outcome event (command.done / command.failed), which travels upward and closes the command
 * centrally. A door command is claimed together with its door intent; its outcome is the
 * door's (done when the door opened, failed when it did not), recorded with the door's outcome
 * (bank/door-outcomes.ts). A restart never drives the door twice.
 */
import { z } from "zod";
import type { BankContext } from "../bank/context.js";
import { commandError, CommandRefused, admitSignedCommand, recordCommandOutcome, recordRefusal, refuseInside, startRemoteOpen, verifyCommand, type CommandTrust } from "../bank/remote-commands.js";
import { abortIntent } from "../bank/door-outcomes.js";
import { extendDeadline } from "../bank/expiry.js";
import { addCourierCredential, revokeCourierCredential } from "../bank/couriers.js";
import { cancelAssignment, setInService, setOutOfService } from "../bank/service.js";
import { pinHashProblem } from "../kiosk/couriers.js";
import type { SyncCommandTable } from "../store/sync-commands.js";
import type { Logger } from "../system/logger.js";
import type { CommandFields } from "../signing/signed-command.js";
import type { CentralCommand } from "./central-link.js";

const lockerId = z.string().regex(/^[A-Z][0-9]{2,3}$/);
const parcelId = z.string().min(1).max(64);
const courierName = z.string().min(1).max(64).regex(/^[^\p{Cc}]+$/u, "no control characters");

const ARGS = {
  // one door per command (no other field is accepted); force opens a locker holding a parcel
  open_door: z.object({ lockerId, force: z.boolean().default(false) }).strict(),
  extend_deadline: z.object({ parcelId, expiresAt: z.union([z.number().int().positive(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]) }),
  cancel_parcel: z.object({ parcelId, reason: z.string().min(1).max(200).default("cancelled centrally") }),
  out_of_service: z.object({ lockerId, reason: z.string().min(1).max(200).default("taken out of service centrally"), force: z.boolean().default(false) }),
  in_service: z.object({ lockerId }),
  // A badge's SHA-256 and/or a PIN's scrypt hash, never the badge or PIN itself.
  add_courier_credential: z
    .object({
      name: courierName,
      sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits (the badge's SHA-256)").optional(),
      pinHash: z
        .string()
        .max(512)
        .superRefine((s, c) => {
          const problem = pinHashProblem(s);
          if (problem) c.addIssue({ code: "custom", message: problem });
        })
        .optional(),
    })
    .refine((a) => a.sha256 !== undefined || a.pinHash !== undefined, "a credential needs sha256 (a badge) or pinHash (a PIN)"),
  revoke_courier_credential: z.object({ name: courierName }),
} as const;

type Kind = keyof typeof ARGS;

export type CommandOutcome = "done" | "failed" | "refused" | "started" | "skipped";

export class CommandApplier {
  private readonly table: SyncCommandTable;

  constructor(
    private readonly ctx: BankContext,
    private readonly log: Logger,
    private readonly trust: CommandTrust,
  ) {
    this.table = ctx.store.commands;
  }

  /**
   * Commands claimed but not finished when the daemon stopped. A door command whose intent has
   * an outcome takes it; one whose door is still being watched is left to the door; the rest
   * are reported failed (they may or may not have taken effect).
   */
  recoverInterrupted(): number {
    let settled = 0;
    for (const c of this.table.unfinished()) {
      const intent = c.intentId === null ? undefined : this.ctx.store.intents.get(c.intentId);
      if (intent?.state === "pending") continue; // the door supervisor still decides
      const result =
        intent && (intent.state === "opened" || intent.state === "closed")
          ? { lockerId: intent.lockerId, intentId: intent.id }
          : commandError("INTERRUPTED", "interrupted by a restart; it may or may not have taken effect");
      this.finish(c.id, c.kind, intent ? { lockerId: intent.lockerId } : {}, result);
      this.log.warn({ commandId: c.id, kind: c.kind }, "command interrupted by a restart settled");
      settled++;
    }
    return settled;
  }

  async apply(cmd: CentralCommand): Promise<CommandOutcome> {
    if (this.table.get(cmd.id)) return "skipped";
    let fields;
    try {
      fields = verifyCommand(this.ctx, this.trust, cmd.signedPayload, cmd.signature);
    } catch (e) {
      if (!(e instanceof CommandRefused)) throw e;
      return this.refuse(cmd.id, cmd.kind, e, null);
    }
    const schema = (ARGS as Record<string, z.ZodType | undefined>)[fields.kind];
    const parsed = schema?.safeParse(fields.args);
    const signed = { id: cmd.id, kind: fields.kind, keyId: fields.keyId, fields };
    if (!schema || !parsed?.success) {
      const why = !schema ? `unknown command kind ${fields.kind}` : `invalid arguments: ${parsed!.error!.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ")}`;
      return this.claimAndRun(signed, {}, () => {
        throw new Error(why);
      });
    }
    const kind = fields.kind as Kind;
    const args = parsed.data as Record<string, unknown>;
    if (kind === "open_door") return this.openDoor(signed, args as z.infer<(typeof ARGS)["open_door"]>);
    return this.claimAndRun(signed, args, () => this.runSync(kind, args, cmd.id));
  }

  private refuse(id: number, kind: string, r: CommandRefused, signedId: string | null): CommandOutcome {
    recordRefusal(this.ctx, id, kind, r, signedId);
    this.log.warn({ commandId: id, kind, reason: r.reason, keyId: r.keyId, detail: r.message }, "central command refused");
    return "refused";
  }

  private runSync(kind: Exclude<Kind, "open_door">, args: Record<string, unknown>, commandId: number): Record<string, unknown> {
    const ctx = this.ctx;
    switch (kind) {
      case "extend_deadline": {
        const a = args as z.infer<(typeof ARGS)["extend_deadline"]>;
        extendDeadline(ctx, a.parcelId, a.expiresAt);
        return {};
      }
      case "cancel_parcel": {
        const a = args as z.infer<(typeof ARGS)["cancel_parcel"]>;
        cancelAssignment(ctx, a.parcelId, a.reason);
        return {};
      }
      case "out_of_service": {
        const a = args as z.infer<(typeof ARGS)["out_of_service"]>;
        setOutOfService(ctx, a.lockerId, a.reason, { force: a.force });
        return {};
      }
      case "in_service":
        setInService(ctx, (args as z.infer<(typeof ARGS)["in_service"]>).lockerId);
        return {};
      case "add_courier_credential": {
        const a = args as z.infer<(typeof ARGS)["add_courier_credential"]>;
        return addCourierCredential(ctx, { name: a.name, badgeSha256: a.sha256 ?? null, pinHash: a.pinHash ?? null }, commandId);
      }
      case "revoke_courier_credential":
        return revokeCourierCredential(ctx, (args as z.infer<(typeof ARGS)["revoke_courier_credential"]>).name, commandId);
    }
  }

  /**
   * Replay check, claim, effect and outcome in one transaction (the use case's own write nests
   * as a savepoint). A replay is refused in that same transaction.
   */
  private claimAndRun(cmd: SignedRow, args: Record<string, unknown>, effect: () => Record<string, unknown>): CommandOutcome {
    const now = this.ctx.clock.now();
    const outcome = this.ctx.store.write((): CommandOutcome => {
      try {
        admitSignedCommand(this.ctx, this.trust, cmd.fields, cmd.id);
      } catch (e) {
        if (!(e instanceof CommandRefused)) throw e;
        refuseInside(this.ctx, cmd.id, cmd.kind, e, cmd.fields.id, now);
        return "refused";
      }
      this.table.start(cmd.id, cmd.kind, now, cmd.keyId);
      let result: Record<string, unknown> | Error;
      try {
        result = effect();
      } catch (e) {
        result = e instanceof Error ? e : new Error(String(e));
      }
      recordCommandOutcome(this.ctx, cmd.id, cmd.kind, args, result, now);
      return result instanceof Error ? "failed" : "done";
    });
    if (outcome === "refused") this.log.warn({ commandId: cmd.id, kind: cmd.kind, signedId: cmd.fields.id }, "central command refused: replayed");
    else this.log.info({ commandId: cmd.id, kind: cmd.kind, outcome }, "central command applied");
    return outcome;
  }

  /**
   * Claim and door intent in one transaction (with the replay check and the per-hour limit),
   * then the unlock. The command stays open until the door opens or does not.
   */
  private async openDoor(cmd: SignedRow, args: z.infer<(typeof ARGS)["open_door"]>): Promise<CommandOutcome> {
    const now = this.ctx.clock.now();
    let claimed: { intentId: number } | "failed";
    try {
      // a refusal (replayed, over the limit) rolls the claim back and is recorded on its own
      claimed = this.ctx.store.write((): { intentId: number } | "failed" => {
        admitSignedCommand(this.ctx, this.trust, cmd.fields, cmd.id);
        this.table.start(cmd.id, cmd.kind, now, cmd.keyId);
        try {
          return { intentId: startRemoteOpen(this.ctx, this.trust, cmd.id, args.lockerId, args.force, cmd.keyId) };
        } catch (e) {
          if (e instanceof CommandRefused) throw e;
          recordCommandOutcome(this.ctx, cmd.id, cmd.kind, args, e instanceof Error ? e : new Error(String(e)), now);
          return "failed";
        }
      });
    } catch (e) {
      if (!(e instanceof CommandRefused)) throw e;
      return this.refuse(cmd.id, cmd.kind, e, cmd.fields.id);
    }
    if (typeof claimed === "string") {
      this.log.info({ commandId: cmd.id, kind: cmd.kind, outcome: claimed }, "central command applied");
      return claimed;
    }
    try {
      await this.ctx.doors.unlock(args.lockerId, claimed.intentId);
    } catch (e) {
      // the command fails with the aborted intent (bank/door-outcomes.ts)
      abortIntent(this.ctx, claimed.intentId, "unlock_failed", e);
      this.log.warn({ commandId: cmd.id, err: e }, "remote door open: the lock could not be driven");
      return "failed";
    }
    this.log.info({ commandId: cmd.id, lockerId: args.lockerId, intentId: claimed.intentId }, "remote door open: unlocked, waiting for the door");
    return "started";
  }

  private finish(id: number, kind: string, args: Record<string, unknown>, result: Record<string, unknown> | Error): void {
    const now = this.ctx.clock.now();
    this.ctx.store.write(() => recordCommandOutcome(this.ctx, id, kind, args, result, now));
  }
}

interface SignedRow {
  id: number;
  kind: string;
  keyId: string;
  fields: CommandFields;
}

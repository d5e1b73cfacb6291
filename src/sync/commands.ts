/**
 * Commands from the central database, applied through the bank's use cases exactly once: the
 * command's id is claimed in sync_commands in the same transaction as its effect and its
 * outcome event (command.done / command.failed), which travels upward and closes the command
 * centrally. Opening a door cannot share a transaction with the door itself: it is claimed
 * first, so a restart in between reports it failed rather than opening the door twice.
 */
import { newEvent } from "../basics/events.js";
import { z } from "zod";
import type { BankContext } from "../bank/context.js";
import { isLockerdError } from "../basics/errors.js";
import { extendDeadline } from "../bank/expiry.js";
import { addCourierCredential, revokeCourierCredential } from "../bank/couriers.js";
import { cancelAssignment, setInService, setOutOfService, technicianOpen } from "../bank/service.js";
import { pinHashProblem } from "../kiosk/couriers.js";
import { SyncCommandTable } from "../store/sync-commands.js";
import type { Logger } from "../system/logger.js";
import type { CentralCommand } from "./central-link.js";

const lockerId = z.string().regex(/^[A-Z][0-9]{2,3}$/);
const parcelId = z.string().min(1).max(64);
const courierName = z.string().min(1).max(64).regex(/^[^\p{Cc}]+$/u, "no control characters");

const ARGS = {
  open_door: z.object({ lockerId, force: z.boolean().default(false) }),
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

export type CommandOutcome = "done" | "failed" | "skipped";

export class CommandApplier {
  private readonly table: SyncCommandTable;

  constructor(
    private readonly ctx: BankContext,
    private readonly log: Logger,
  ) {
    this.table = new SyncCommandTable(ctx.store.db);
  }

  /** Commands claimed but not finished when the daemon stopped: report them failed. */
  recoverInterrupted(): number {
    const open = this.table.unfinished();
    for (const c of open) {
      this.finish(c.id, c.kind, {}, new Error("interrupted by a restart; it may or may not have taken effect"));
      this.log.warn({ commandId: c.id, kind: c.kind }, "command interrupted by a restart reported as failed");
    }
    return open.length;
  }

  async apply(cmd: CentralCommand): Promise<CommandOutcome> {
    if (this.table.get(cmd.id)) return "skipped";
    const schema = (ARGS as Record<string, z.ZodType | undefined>)[cmd.kind];
    const parsed = schema?.safeParse(cmd.args ?? {});
    if (!schema || !parsed?.success) {
      const why = !schema ? `unknown command kind ${cmd.kind}` : `invalid arguments: ${parsed!.error!.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ")}`;
      return this.claimAndRun(cmd, {}, () => {
        throw new Error(why);
      });
    }
    const kind = cmd.kind as Kind;
    const args = parsed.data as Record<string, unknown>;
    if (kind === "open_door") return this.openDoor(cmd, args as z.infer<(typeof ARGS)["open_door"]>);
    return this.claimAndRun(cmd, args, () => this.runSync(kind, args, cmd.id));
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

  /** Claim, effect and outcome in one transaction (the use case's own write nests as a savepoint). */
  private claimAndRun(cmd: CentralCommand, args: Record<string, unknown>, effect: () => Record<string, unknown>): CommandOutcome {
    const now = this.ctx.clock.now();
    const outcome = this.ctx.store.write((): CommandOutcome => {
      this.table.start(cmd.id, cmd.kind, now);
      let result: Record<string, unknown> | Error;
      try {
        result = effect();
      } catch (e) {
        result = e instanceof Error ? e : new Error(String(e));
      }
      this.recordOutcome(cmd.id, cmd.kind, args, result, now);
      return result instanceof Error ? "failed" : "done";
    });
    this.log.info({ commandId: cmd.id, kind: cmd.kind, outcome }, "central command applied");
    return outcome;
  }

  private async openDoor(cmd: CentralCommand, args: z.infer<(typeof ARGS)["open_door"]>): Promise<CommandOutcome> {
    this.ctx.store.write(() => this.table.start(cmd.id, cmd.kind, this.ctx.clock.now()));
    let result: Record<string, unknown> | Error;
    try {
      const r = await technicianOpen(this.ctx, args.lockerId, { force: args.force });
      result = { intentId: r.intentId };
    } catch (e) {
      result = e instanceof Error ? e : new Error(String(e));
    }
    this.finish(cmd.id, cmd.kind, args, result);
    const outcome = result instanceof Error ? "failed" : "done";
    this.log.info({ commandId: cmd.id, kind: cmd.kind, outcome }, "central command applied");
    return outcome;
  }

  private finish(id: number, kind: string, args: Record<string, unknown>, result: Record<string, unknown> | Error): void {
    const now = this.ctx.clock.now();
    this.ctx.store.write(() => this.recordOutcome(id, kind, args, result, now));
  }

  /** Inside a write transaction: close the claim and record the outcome event. */
  private recordOutcome(id: number, kind: string, args: Record<string, unknown>, result: Record<string, unknown> | Error, now: number): void {
    const failed = result instanceof Error;
    const ids = { lockerId: typeof args.lockerId === "string" ? args.lockerId : null, parcelId: typeof args.parcelId === "string" ? args.parcelId : null };
    const event = failed
      ? newEvent("command.failed", ids, { commandId: id, kind, error: { code: isLockerdError(result) ? result.code : "COMMAND_FAILED", message: result.message } })
      : newEvent("command.done", ids, { commandId: id, kind, ...result });
    this.table.finish(id, failed ? "failed" : "done", event.data ?? {}, now);
    this.ctx.store.record(event, now);
  }
}

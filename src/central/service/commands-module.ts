/**
 * The commands module of lockerd-central: operators create commands for banks (signed here with
 * the service's key file, which never goes into the database), list them, and see each with the
 * outcome its bank reported (done only when the door opened; refused with the bank's reason).
 *
 *   "commands": { "keyFile": "/etc/lockerd-central/commands.key", "ttlSeconds": 600 }
 *
 * The key's public half goes into every bank's commands.trustedKeys (central-command pubkey).
 */
import { z } from "zod";
import { defineRoute, type Route } from "../../api/registry.js";
import { LockerdError } from "../../basics/errors.js";
import type { Signer } from "../../signing/ed25519.js";
import { COMMAND_KINDS, getCommand, listCommands, queueCommand, type CommandView } from "../commands.js";
import { callerOf, type CentralRole } from "./auth.js";
import { commandKeySettingsSchema as settings, commandSigner, type CommandKeySettings } from "./command-signer.js";
import { defineModule, type CentralDeps } from "./module.js";

type Settings = CommandKeySettings;

const iso = z.string().nullable();
export const commandView = z
  .object({
    id: z.number().int(),
    bankId: z.string(),
    kind: z.string(),
    args: z.record(z.string(), z.unknown()),
    status: z.enum(["pending", "delivered", "done", "failed", "refused"]),
    createdAt: z.string(),
    createdBy: z.string(),
    signedId: z.string().nullable(),
    keyId: z.string().nullable(),
    issuedAt: iso,
    expiresAt: iso,
    deliveries: z.number().int(),
    deliveredAt: iso,
    completedAt: iso,
    refusal: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
  })
  .strict()
  .meta({ id: "BankCommand" });

const createBody = z
  .object({
    bankId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a bank id"),
    kind: z.enum(COMMAND_KINDS),
    args: z.record(z.string(), z.unknown()).default({}),
    /** Validity in seconds (default the module's ttlSeconds). */
    ttlSeconds: z.number().int().min(10).max(86_400).optional(),
  })
  .strict();

const listQuery = z
  .object({
    bank: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    status: z.enum(["pending", "delivered", "done", "failed", "refused"]).optional(),
    kind: z.enum(COMMAND_KINDS).optional(),
    before: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const idParam = z.object({ id: z.coerce.number().int().positive() }).strict();

export function commandRoutes(deps: Pick<CentralDeps, "pool" | "clock">, signer: Signer | null, ttlSeconds: number): Route<CentralRole>[] {
  return [
    defineRoute({
      method: "post",
      path: "/commands",
      tag: "commands",
      summary: "Create a command for a bank, signed with the service's key; the bank verifies it and reports the outcome",
      description:
        "The bank refuses a command whose signature, bank, validity or id (replay) does not check out, and caps remote door opens per hour; an open_door is done only when its door opened.",
      access: ["operator"],
      body: createBody,
      responses: { 201: { description: "queued for the bank", schema: commandView } },
      handler: async ({ body }, _req, res) => {
        if (!signer) throw new LockerdError("INVALID_STATE", "this instance has no command key (commands.keyFile): it cannot sign commands");
        const bank = await deps.pool.query("SELECT 1 FROM central.banks WHERE id = $1", [body.bankId]);
        if (!bank.rowCount) throw new LockerdError("NOT_FOUND", `no bank ${body.bankId}`, { field: "bankId" });
        const c = await deps.pool.connect();
        let view: CommandView;
        try {
          view = await queueCommand(c, signer, { bankId: body.bankId, kind: body.kind, args: body.args, ttlMs: (body.ttlSeconds ?? ttlSeconds) * 1000, createdBy: callerOf(res).name, now: deps.clock.now() });
        } finally {
          c.release();
        }
        res.status(201).json(view);
      },
    }),
    defineRoute({
      method: "get",
      path: "/commands",
      tag: "commands",
      summary: "Commands, newest first (by bank, status, kind; page with before=<id>)",
      access: ["viewer", "operator"],
      query: listQuery,
      responses: { 200: { description: "commands", schema: z.object({ commands: z.array(commandView) }) } },
      handler: async ({ query: q }, _req, res) => {
        const c = await deps.pool.connect();
        try {
          res.json({ commands: await listCommands(c, { bankId: q.bank, status: q.status, kind: q.kind, before: q.before, limit: q.limit }) });
        } finally {
          c.release();
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/commands/:id",
      tag: "commands",
      summary: "One command with the outcome its bank reported",
      access: ["viewer", "operator"],
      params: idParam,
      responses: { 200: { description: "the command", schema: commandView } },
      handler: async ({ params }, _req, res) => {
        const c = await deps.pool.connect();
        try {
          const view = await getCommand(c, params.id);
          if (!view) throw new LockerdError("NOT_FOUND", `no command ${params.id}`);
          res.json(view);
        } finally {
          c.release();
        }
      },
    }),
  ];
}

export const commandsModule = defineModule<Settings>({
  name: "commands",
  settings,
  routes(deps, s) {
    const signer = commandSigner(deps.config);
    if (!signer) deps.log.warn("commands.keyFile is not set: POST /commands is refused (this instance cannot sign)");
    else deps.log.info({ keyId: signer.keyId }, "commands are signed with this key; every bank must list its public half in commands.trustedKeys");
    return commandRoutes(deps, signer, s.ttlSeconds);
  },
});

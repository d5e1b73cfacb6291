/** lockerctl couriers: who may sign in as a courier — configured and issued by central — never a hash. */
import type { ConfiguredCourier, CourierView } from "../../bank/couriers.js";
import type { Command } from "../command.js";
import type { CliContext } from "../context.js";
import { ApiError, CliError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { shortTime } from "../output.js";
import { liveOrOffline } from "../source.js";

export const couriersCommand: Command = {
  name: "couriers",
  help: `usage: lockerctl couriers [--json]

Every courier who can (or could) sign in: those in the configuration file (source config) and
the credentials central issued (source central), with the kind of credential (badge, pin) and
when central added or revoked it. A credential central issues under a configured courier's id
or name replaces the configured one (status replaced); a revocation locks it out (status
revoked) until central issues a new one — editing the file does not lift it. Badge and PIN
hashes are never shown. Works read-only from the database when the daemon is down (configured
couriers then come from this configuration file).`,
  options: {},
  async run(ctx, _args, _values) {
    const { source, value } = await liveOrOffline(
      ctx,
      async () => {
        try {
          return (await ctx.client().get<{ couriers: CourierView[] }>("/couriers")).couriers;
        } catch (e) {
          if (e instanceof ApiError && e.noSuchRoute) throw new CliError("this daemon cannot list couriers (no GET /couriers: an older lockerd)", EXIT.NOT_FOUND, e.code);
          throw e;
        }
      },
      (bank) => bank.couriers(configuredCouriers(ctx)),
    );
    if (ctx.out.json) {
      ctx.out.printJson({ source, couriers: value });
      return 0;
    }
    if (!value.length) {
      ctx.out.note("no couriers: none configured and none issued by central");
      return 0;
    }
    ctx.out.table(
      ["name", "id", "source", "kind", "status", "added", "revoked", "command"],
      value.map((c) => [c.name, c.id, c.source, c.kind, statusText(ctx, c), shortTime(c.addedAt), shortTime(c.revokedAt), c.commandId === null ? "-" : String(c.commandId)]),
    );
    return 0;
  },
};

/** The configuration's couriers; a configuration that does not load lists none (with a warning). */
function configuredCouriers(ctx: CliContext): readonly ConfiguredCourier[] {
  const r = ctx.configResult();
  if ("cfg" in r) return r.cfg.couriers;
  ctx.out.warn("the configuration does not load: only central's credentials are listed");
  return [];
}

function statusText(ctx: CliContext, c: CourierView): string {
  return ctx.out.paint(c.status === "active" ? "green" : c.status === "revoked" ? "red" : "dim", c.status);
}

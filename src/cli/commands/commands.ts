/** lockerctl commands: the operator keys this bank trusts for central commands, its limits, and the commands it refused. */
import type { CommandTrustView } from "../../bank/remote-commands.js";
import { commandTrust } from "../../sync/create.js";
import type { Command } from "../command.js";
import { ApiError, CliError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { shortTime } from "../output.js";
import { liveOrOffline } from "../source.js";

export const commandsCommand: Command = {
  name: "commands",
  help: `usage: lockerctl commands [--limit N] [--json]

Commands from the central database run only when signed by an operator key this bank trusts
(commands.trustedKeys in the configuration). Shows those keys (name, key id), the remote door
open limit per hour and how much of it the last hour used, and the central commands this bank
refused, newest first, with the reason: UNSIGNED, MALFORMED, UNKNOWN_KEY, BAD_SIGNATURE,
OTHER_BANK, NOT_YET_VALID, EXPIRED, TOO_LONG, REPLAYED, RATE_LIMITED. Works read-only from the
database when the daemon is down (keys and limits then come from this configuration file).`,
  options: { limit: { type: "string" } },
  async run(ctx, _args, values) {
    const limit = typeof values.limit === "string" ? Number(values.limit) : 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError("--limit is a whole number from 1 to 1000", EXIT.USAGE);
    const { source, value } = await liveOrOffline(
      ctx,
      async () => {
        try {
          return await ctx.client().get<CommandTrustView>(`/commands?limit=${limit}`);
        } catch (e) {
          if (e instanceof ApiError && e.noSuchRoute) throw new CliError("this daemon cannot list its command keys (no GET /commands: an older lockerd)", EXIT.NOT_FOUND, e.code);
          throw e;
        }
      },
      (bank) => {
        const r = ctx.configResult();
        if (!("cfg" in r)) throw new CliError("the daemon is down and the configuration does not load: cannot tell which keys the bank trusts", EXIT.CONFIG);
        return bank.commandTrust(commandTrust(r.cfg), limit);
      },
    );
    if (ctx.out.json) {
      ctx.out.printJson({ source, ...value });
      return 0;
    }
    if (value.trustedKeys.length === 0) ctx.out.line(ctx.out.paint(["bold", "red"], "no trusted operator keys: every central command is refused (commands.trustedKeys)"));
    else ctx.out.table(["trusted key", "key id", "public key"], value.trustedKeys.map((k) => [k.name, k.keyId, k.publicKey]));
    ctx.out.line(`remote door opens: ${value.remoteOpensLastHour} in the last hour, at most ${value.maxRemoteOpensPerHour}; clock skew allowed ${value.clockSkewMs / 1000} s; validity at most ${value.maxValidityMs / 60_000} min`);
    if (value.refused.length === 0) {
      ctx.out.line("no refused commands");
      return 0;
    }
    ctx.out.table(
      ["refused", "command", "kind", "reason", "key id", "why"],
      value.refused.map((r) => [shortTime(r.at), String(r.commandId), r.kind, ctx.out.paint("red", r.reason), r.keyId ?? "-", r.message ?? ""]),
    );
    return 0;
  },
};

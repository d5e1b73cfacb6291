/** lockerctl lockouts: who typed wrong codes or PINs and who is locked out; `lockouts clear SOURCE` lifts one. */
import type { LockoutView } from "../../bank/attempts.js";
import type { Command } from "../command.js";
import type { CliContext } from "../context.js";
import { usageError } from "../errors.js";
import { duration, shortTime } from "../output.js";
import { liveOrOffline, needsDaemon } from "../source.js";

export const lockoutsCommand: Command = {
  name: "lockouts",
  help: `usage: lockerctl lockouts [--json]
       lockerctl lockouts clear <source> [--json]

lockouts: every source (keypad:<id>, scanner:<id>, http:<token name or address>) with failed pickup codes or
courier PINs in the limiter's window: failures so far, tries left, whether and until when it is
locked out, and how many lockouts it has had (each makes the next one longer). Codes are never
shown. When the daemon is down, read from the database.

lockouts clear: lifts the source's lockout and forgives its failures, e.g. for a customer who
mistyped and is standing at the bank; recorded as an event. The lockout count is kept, so the
next lockout is as long as it would have been. Exit 4 when the source has no failures.`,
  options: {},
  async run(ctx, args) {
    if (args[0] === "clear") {
      const source = args[1];
      if (!source || args.length > 2) throw usageError("lockouts clear needs exactly one source, as listed by `lockerctl lockouts`");
      return clear(ctx, source);
    }
    if (args[0] !== undefined) throw usageError(`unknown lockouts action ${JSON.stringify(args[0])}: expected nothing or "clear"`);
    const { source, value } = await liveOrOffline(
      ctx,
      async () => (await ctx.client().get<{ lockouts: LockoutView[] }>("/lockouts")).lockouts,
      (bank) => bank.lockouts(ctx.config().limiter, Date.now()),
    );
    if (ctx.out.json) {
      ctx.out.printJson({ source, lockouts: value });
      return 0;
    }
    if (value.length === 0) {
      ctx.out.line("no failed codes or PINs recorded in the limiter's window");
      return 0;
    }
    for (const l of value) ctx.out.line(describe(ctx, l));
    return 0;
  },
};

function describe(ctx: CliContext, l: LockoutView): string {
  const state = l.lockedUntil
    ? ctx.out.paint("red", `LOCKED OUT for ${duration(l.lockedForMs)} (until ${shortTime(l.lockedUntil)})`)
    : `${l.failures} failed, ${l.remaining} ${l.remaining === 1 ? "try" : "tries"} left`;
  return `${l.source.padEnd(24)} ${state}; ${l.trips} lockout${l.trips === 1 ? "" : "s"} remembered`;
}

async function clear(ctx: CliContext, source: string): Promise<number> {
  try {
    const r = await ctx.client().delete<LockoutView>(`/lockouts/${encodeURIComponent(source)}`);
    if (ctx.out.json) ctx.out.printJson(r);
    else ctx.out.line(`${r.source}: lockout lifted, ${r.remaining} tries before the next one (${r.trips} remembered)`);
    return 0;
  } catch (e) {
    return needsDaemon(e, "lifting a lockout");
  }
}

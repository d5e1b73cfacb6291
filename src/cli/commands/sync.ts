/** lockerctl sync: the upward sync's backlog, lag and last error; `sync now` pushes and shows the catch-up. */
import { intOption, type Command } from "../command.js";
import type { CliContext } from "../context.js";
import { ApiError, CliError, usageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { sleep } from "../follow.js";
import { describeSync } from "../health.js";
import { duration, shortTime } from "../output.js";
import { bar, Progress } from "../progress.js";
import { liveOrOffline, needsDaemon } from "../source.js";
import type { SyncView } from "../views.js";

const NO_SYNC = "this daemon has no sync configured / is older (no GET /sync)";

export const syncCommand: Command = {
  name: "sync",
  help: `usage: lockerctl sync [--json]
       lockerctl sync now [--no-wait] [--timeout SECONDS] [--json]

sync: how many events wait to go to the central database, how old the oldest is, when the last
push succeeded and the last error. When the daemon is down, the backlog is read from the
database.

sync now: asks the daemon to push now, then shows the backlog shrinking (progress on stderr)
until it is empty, an error is reported, or --timeout passes (default 120 s). Exit 1 when the
push fails or sync is not configured (INVALID_STATE); 4 when the daemon has no sync at all.`,
  options: { "no-wait": { type: "boolean" }, timeout: { type: "string" } },
  async run(ctx, args, values) {
    if (args[0] === "now") return syncNow(ctx, values["no-wait"] === true, intOption(values, "timeout", 120, 1, 86_400) * 1000);
    if (args[0] !== undefined) throw usageError(`unknown sync action ${JSON.stringify(args[0])}: expected nothing or "now"`);
    const { source, value } = await liveOrOffline<SyncView>(
      ctx,
      async () => {
        try {
          return await ctx.client().get<SyncView>("/sync");
        } catch (e) {
          if (e instanceof ApiError && e.noSuchRoute) throw new CliError(NO_SYNC, EXIT.NOT_FOUND, e.code);
          throw e;
        }
      },
      (bank) => {
        const o = bank.outbox();
        return { configured: false, backlog: o.backlog, oldestUnsentAt: o.oldestUnsentAt, lastSuccessAt: null, lastError: null, lagMs: o.oldestUnsentAt ? Date.now() - Date.parse(o.oldestUnsentAt) : null, lastSentSeq: 0 };
      },
    );
    if (ctx.out.json) {
      ctx.out.printJson({ source, ...value, ...(source === "database" ? { configured: null } : {}) });
      return 0;
    }
    print(ctx, value, source === "database");
    return value.configured && value.lastError ? EXIT.FAILED : EXIT.OK;
  },
};

function print(ctx: CliContext, s: SyncView, offline: boolean): void {
  const out = ctx.out;
  if (!offline) out.line(`sync:            ${describeSync(out, { available: true, ...s })}`);
  out.line(`backlog:         ${s.backlog} event${s.backlog === 1 ? "" : "s"} not yet sent`);
  out.line(`oldest unsent:   ${shortTime(s.oldestUnsentAt)}`);
  out.line(`lag:             ${duration(s.lagMs)}`);
  if (!offline) {
    out.line(`last success:    ${shortTime(s.lastSuccessAt)}`);
    out.line(`last sent seq:   ${s.lastSentSeq}`);
    out.line(`last error:      ${s.lastError ?? "-"}`);
    if (s.adviceHints !== undefined) out.line(`reachable hints: ${s.adviceHints} (pre-advice for parcels still to come)`);
  } else {
    out.line("(daemon down: whether sync is configured, its last success and error are unknown)");
  }
}

async function syncNow(ctx: CliContext, noWait: boolean, timeoutMs: number): Promise<number> {
  const client = ctx.client();
  try {
    const before = await client.get<SyncView>("/sync");
    await client.post("/sync/now", {});
    if (noWait) {
      if (ctx.out.json) ctx.out.printJson({ requested: true, backlog: before.backlog });
      else ctx.out.line(`push requested (${before.backlog} events waiting)`);
      return EXIT.OK;
    }
    // Progress is drawn in place on a terminal only; in a log or a pipe the result line says it all.
    const tty = ctx.io.stderr.isTTY === true;
    const progress = tty ? new Progress(ctx.io.stderr, true, "sync") : null;
    const start = before.backlog;
    const started = Date.now();
    let s = before;
    for (;;) {
      await sleep(tty ? 500 : 250);
      s = await client.get<SyncView>("/sync");
      progress?.update(`${bar(start ? (start - Math.min(start, s.backlog)) / start : 1)} ${s.backlog} left`);
      if (s.backlog === 0) break;
      if (failedSince(before, s) || Date.now() - started > timeoutMs) break;
    }
    progress?.done();
    const ok = s.backlog === 0;
    if (ctx.out.json) ctx.out.printJson({ ok, before: before.backlog, ...s });
    else if (ok) ctx.out.line(`sync: caught up (${start} event${start === 1 ? "" : "s"} sent)`);
    else ctx.out.line(`sync: ${s.backlog} events still waiting${s.lastError ? `; the push failed: ${s.lastError}` : ` after ${duration(timeoutMs)}`}`);
    return ok ? EXIT.OK : EXIT.FAILED;
  } catch (e) {
    if (e instanceof ApiError && e.noSuchRoute) throw new CliError(NO_SYNC, EXIT.NOT_FOUND, e.code);
    if (e instanceof ApiError && e.code === "INVALID_STATE") throw new CliError(`sync is not configured on this bank (${e.message})`, EXIT.FAILED, e.code);
    return needsDaemon(e, "sync now");
  }
}

/**
 * The push asked for has failed: a push cycle ended since (the daemon counts them) and the
 * sync reports an error. A center that was already down keeps the same error text, so the text
 * changing is only the sign an older daemon (no `attempts`) gives.
 */
export function failedSince(before: SyncView, now: SyncView): boolean {
  if (!now.lastError) return false;
  if (before.attempts !== undefined && now.attempts !== undefined) return now.attempts > before.attempts;
  return now.lastError !== before.lastError;
}

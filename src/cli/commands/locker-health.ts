/**
 * lockerctl health: each compartment's health (cycles against its rating, failed opens, jams,
 * sensor faults, board errors, score). Not the daemon's own health (cli/health.ts, for status and doctor).
 */
import type { LockerHealthDetailView, LockerHealthView } from "../../bank/health-view.js";
import type { Command } from "../command.js";
import { lockerArg } from "../command.js";
import type { CliContext } from "../context.js";
import { usageError } from "../errors.js";
import { formatTable, shortTime } from "../output.js";
import { needsDaemon } from "../source.js";

export const healthCommand: Command = {
  name: "health",
  help: `usage: lockerctl health [<locker>] [--json]

Each compartment's health: lock cycles against the lock's rated cycles (doors.health.ratedCycles,
Kerong's 500,000 by default), and since it was last put back in service its failed opens, jams
(pulse sent, door did not open), sensor faults (flapping, suspected cut cable) and board errors
(unlock refused or unanswered), with the score (0-100; README "Health score"). A compartment below
doors.health.outOfServiceBelow is taken out of service (at once when empty; when released
otherwise). With a locker: its latest unlock outcomes as well.`,
  options: {},
  async run(ctx, args) {
    if (args.length > 1) throw usageError("health takes at most one locker id");
    try {
      if (args[0] !== undefined) return await one(ctx, lockerArg(args, 0));
      const r = await ctx.client().get<{ threshold: number; lockers: LockerHealthView[] }>("/lockers/health");
      if (ctx.out.json) {
        ctx.out.printJson(r);
        return 0;
      }
      const rows = r.lockers.map((h) => [h.lockerId, score(ctx, h.score, r.threshold), `${h.cycles}/${h.ratedCycles}`, String(h.failedOpens), String(h.jams), String(h.sensorFlaps), String(h.boardErrors), h.status.toLowerCase().replace(/_/g, " ")]);
      for (const l of formatTable(["LOCKER", "SCORE", "CYCLES/RATED", "FAILED", "JAMS", "SENSOR", "BOARD", "STATUS"], rows)) ctx.out.line(l);
      const low = r.lockers.filter((h) => h.score < r.threshold).length;
      ctx.out.line(`${r.lockers.length} lockers; threshold ${r.threshold}; ${low} below it`);
      return 0;
    } catch (e) {
      return needsDaemon(e, "reading compartment health");
    }
  },
};

async function one(ctx: CliContext, id: string): Promise<number> {
  const h = await ctx.client().get<LockerHealthDetailView>(`/lockers/${id}/health`);
  if (ctx.out.json) {
    ctx.out.printJson(h);
    return 0;
  }
  ctx.out.line(`locker ${h.lockerId} (${h.status.toLowerCase().replace(/_/g, " ")}): score ${h.score}`);
  ctx.out.line(`  cycles ${h.cycles} of ${h.ratedCycles} rated (${(h.wear * 100).toFixed(1)}%)`);
  ctx.out.line(`  since ${h.countedSince ? shortTime(h.countedSince) : "first use"}: ${h.failedOpens} failed opens, ${h.jams} jams, ${h.sensorFlaps} sensor faults, ${h.boardErrors} board errors`);
  if (h.lowSince) ctx.out.line(`  below the threshold since ${shortTime(h.lowSince)}`);
  if (h.unlocks.length === 0) ctx.out.line("  no unlock outcomes recorded");
  for (const u of h.unlocks) ctx.out.line(`  ${shortTime(u.at).padEnd(12)} ${u.purpose.padEnd(10)} ${u.outcome.padEnd(17)} board: ${u.boardAnswer ?? "-"}`);
  return 0;
}

function score(ctx: CliContext, s: number, threshold: number): string {
  return s < threshold ? ctx.out.paint("red", String(s)) : String(s);
}

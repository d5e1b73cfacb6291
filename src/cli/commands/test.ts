/**
 * lockerctl test relays: pulse each lock in turn with a pause and report which doors the
 * sensors saw open. lockerctl test sensors: the live door/alarm/input view (watch).
 */
import { intOption, LOCKER_ID, str, type Command, type Values } from "../command.js";
import type { CliContext } from "../context.js";
import { confirm } from "../confirm.js";
import { awaitDoor, lastSeq, openDoor, type DoorResult } from "../doors.js";
import { ApiError, CliError, usageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { sleep } from "../follow.js";
import { Progress } from "../progress.js";
import { interruptSignal } from "../signals.js";
import { needsDaemon } from "../source.js";
import type { StatusView } from "../views.js";
import { watchSensors } from "./watch.js";

type Row = DoorResult | { lockerId: string; outcome: "skipped"; reason: string } | { lockerId: string; outcome: "refused"; reason: string; code: string };

export const testCommand: Command = {
  name: "test",
  help: `usage: lockerctl test relays [LOCKER...] [--column C] [--pause MS] [--wait SECONDS] [--force] [--yes]
       lockerctl test sensors [--locker ID] [--json]

test relays: pulses each lock in turn (layout order, or the lockers/column given), waits for
its door sensor to report the door open, pauses, and goes on; progress on stderr. At the end
a table says which doors opened, which did not, and any OTHER door that opened meanwhile
(crossed wiring). Lockers holding a parcel are skipped unless --force. Asks first on a
terminal; scripts must pass --yes. Exit 0 when every tested door opened, 1 otherwise.

test sensors: live door, alarm, hardware and input events until Ctrl-C — open and close doors
by hand and watch each sensor report.

Options (relays):
  --column C        only the lockers of column C (the id's letter)
  --pause MS        pause between lockers (default 1500)
  --wait SECONDS    how long to wait for each door's sensor (default 10)
  -f, --force       include lockers that hold a parcel (their doors open!)
  -y, --yes         do not ask`,
  options: {
    column: { type: "string" },
    pause: { type: "string" },
    wait: { type: "string" },
    force: { type: "boolean", short: "f" },
    yes: { type: "boolean", short: "y" },
    locker: { type: "string" },
    type: { type: "string" },
  },
  async run(ctx, args, values) {
    const what = args[0];
    if (what === "sensors") return watchSensors(ctx, values);
    if (what === "relays") return testRelays(ctx, args.slice(1), values);
    throw usageError(what ? `unknown test ${JSON.stringify(what)}: expected relays or sensors` : "test what? relays or sensors");
  },
};

async function testRelays(ctx: CliContext, ids: string[], values: Values): Promise<number> {
  const pauseMs = intOption(values, "pause", 1500, 0, 600_000);
  const waitMs = intOption(values, "wait", 10, 1, 600) * 1000;
  const column = str(values.column)?.toUpperCase();
  const wanted = ids.map((i) => i.toUpperCase());
  for (const id of wanted) if (!LOCKER_ID.test(id)) throw usageError(`not a locker id: ${id}`);
  const client = ctx.client();
  const stop = interruptSignal();
  const rows: Row[] = [];
  try {
    const status = await client.get<StatusView>("/lockers/status");
    const unknown = wanted.filter((id) => !status.lockers.some((l) => l.id === id));
    if (unknown.length) throw new CliError(`no such locker: ${unknown.join(", ")}`, EXIT.NOT_FOUND, "LOCKER_NOT_FOUND");
    const lockers = status.lockers.filter((l) => (wanted.length ? wanted.includes(l.id) : true) && (!column || l.id.startsWith(column)));
    if (!lockers.length) throw usageError(`no lockers to test${column ? ` in column ${column}` : ""}`);
    if (!values.yes && !(await confirm(ctx, `Pulse the locks of ${lockers.length} locker${lockers.length === 1 ? "" : "s"} one by one (their doors will open)?`))) {
      throw new CliError("relay test not started", EXIT.FAILED, "NOT_CONFIRMED");
    }
    const progress = new Progress(ctx.io.stderr, ctx.io.stderr.isTTY === true, "relay test");
    for (const [i, l] of lockers.entries()) {
      if (stop.signal.aborted) break;
      const step = `[${i + 1}/${lockers.length}] ${l.id}`;
      if (l.parcelId && values.force !== true) {
        rows.push({ lockerId: l.id, outcome: "skipped", reason: `holds parcel ${l.parcelId} (use --force to include it)` });
        progress.update(`${step}: skipped (holds a parcel)`);
        continue;
      }
      if (l.door === "open") {
        rows.push({ lockerId: l.id, outcome: "skipped", reason: "door already open: close it first" });
        progress.update(`${step}: skipped (door already open)`);
        continue;
      }
      progress.update(`${step}: pulsing the lock...`);
      const after = await lastSeq(client);
      try {
        await openDoor(client, l.id, values.force === true);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        rows.push({ lockerId: l.id, outcome: "refused", reason: e.message, code: e.code ?? "" });
        progress.update(`${step}: refused (${e.code})`);
        continue;
      }
      const r = await awaitDoor(client, l.id, after, waitMs, stop.signal);
      rows.push(r);
      progress.update(`${step}: ${r.outcome === "opened" ? `opened after ${r.openedAfterMs} ms` : r.outcome.replace(/_/g, " ")}`);
      if (i < lockers.length - 1) await sleep(pauseMs, stop.signal);
    }
    progress.done();
  } catch (e) {
    return needsDaemon(e, "the relay test");
  } finally {
    stop.dispose();
  }
  return report(ctx, rows, stop.signal.aborted);
}

function report(ctx: CliContext, rows: Row[], interrupted: boolean): number {
  const opened = rows.filter((r) => r.outcome === "opened").length;
  const failed = rows.filter((r) => r.outcome !== "opened" && r.outcome !== "skipped").length;
  const skipped = rows.filter((r) => r.outcome === "skipped").length;
  const crossed = [...new Set(rows.flatMap((r) => ("otherDoorsOpened" in r ? r.otherDoorsOpened.map((o) => `${r.lockerId}→${o}`) : [])))];
  if (ctx.out.json) {
    ctx.out.printJson({ results: rows, opened, failed, skipped, crossedWiring: crossed, interrupted });
  } else {
    const out = ctx.out;
    out.table(
      ["locker", "result", "details"],
      rows.map((r) => {
        if (r.outcome === "opened") return [r.lockerId, out.paint("green", "opened"), `sensor saw it open after ${r.openedAfterMs} ms${r.otherDoorsOpened.length ? `; ALSO opened: ${r.otherDoorsOpened.join(", ")}` : ""}`];
        if (r.outcome === "skipped") return [r.lockerId, out.paint("dim", "skipped"), r.reason];
        if (r.outcome === "refused") return [r.lockerId, out.paint("red", "refused"), `${r.code}: ${r.reason}`];
        const why =
          r.outcome === "did_not_open" ? "the daemon timed out waiting for the sensor: lock, relay, wiring or sensor" : r.outcome === "unlock_failed" ? "the lock could not be driven (board/relay not answering)" : "no sensor change in time: lock, relay, wiring or sensor";
        return [r.lockerId, out.paint(["bold", "red"], "NOT OPENED"), `${why}${r.otherDoorsOpened.length ? `; but ${r.otherDoorsOpened.join(", ")} opened instead (crossed wiring?)` : ""}`];
      }),
    );
    out.line();
    out.line(`${opened} opened, ${failed} failed, ${skipped} skipped${interrupted ? " (interrupted)" : ""}`);
    if (crossed.length) out.line(out.paint(["bold", "red"], `doors opened that were not pulsed: ${crossed.join(", ")} — check the lock wiring/channel numbers in the layout`));
  }
  return failed > 0 || crossed.length > 0 || interrupted ? EXIT.FAILED : EXIT.OK;
}

/** lockerctl open <locker>: a technician opens one door, and hears whether its sensor saw it open. */
import { intOption, lockerArg, type Command } from "../command.js";
import { confirm } from "../confirm.js";
import { awaitDoor, lastSeq, openDoor } from "../doors.js";
import { ApiError, CliError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { needsDaemon } from "../source.js";
import type { StatusView } from "../views.js";

export const openCommand: Command = {
  name: "open",
  help: `usage: lockerctl open <locker> [--yes] [--force] [--no-wait] [--timeout SECONDS]

Pulses the lock of one locker through the daemon and waits until its door sensor reports the
door open (or the daemon gives up on it). Asks for confirmation on a terminal; scripts must pass
--yes. A locker holding a parcel is refused (LOCKER_OCCUPIED, exit 1) unless --force; the
parcel's record is not changed by opening.

Options:
  -y, --yes            do not ask
  -f, --force          open even though the locker holds a parcel
  --no-wait            return once the daemon accepted the unlock
  --timeout SECONDS    how long to wait for the sensor (default 40)

Exit: 0 the door opened (or was unlocked with --no-wait); 1 refused or the door did not open;
3 the daemon is down (opening needs it); 4 no such locker; 69 the lock cannot be driven.`,
  options: {
    yes: { type: "boolean", short: "y" },
    force: { type: "boolean", short: "f" },
    "no-wait": { type: "boolean" },
    timeout: { type: "string" },
  },
  async run(ctx, args, values) {
    const id = lockerArg(args, 0);
    const timeoutMs = intOption(values, "timeout", 40, 1, 3600) * 1000;
    const client = ctx.client();
    const force = values.force === true;
    try {
      const status = await client.get<StatusView>("/lockers/status");
      const locker = status.lockers.find((l) => l.id === id);
      if (!locker) throw new CliError(`no locker ${id} in this bank`, EXIT.NOT_FOUND, "LOCKER_NOT_FOUND");
      if (!values.yes) {
        const what = locker.parcelId ? `it holds parcel ${locker.parcelId} (${locker.status})` : `it is ${locker.status.toLowerCase().replace(/_/g, " ")}`;
        if (!(await confirm(ctx, `Open the door of locker ${id} (${locker.size}; ${what})?`))) {
          throw new CliError("not opened", EXIT.FAILED, "NOT_CONFIRMED");
        }
      }
      const after = await lastSeq(client);
      await openDoor(client, id, force);
      if (values["no-wait"]) {
        report(ctx, { lockerId: id, door: "unlocking" }, `locker ${id}: unlock sent`);
        return EXIT.OK;
      }
      if (!ctx.out.json) ctx.out.note(`locker ${id}: unlock sent, waiting for the door sensor...`);
      const r = await awaitDoor(client, id, after, timeoutMs);
      const text =
        r.outcome === "opened"
          ? `locker ${id}: door OPENED (sensor), ${r.openedAfterMs ?? "?"} ms after the unlock; close it when done`
          : r.outcome === "did_not_open"
            ? `locker ${id}: the door did NOT open (the daemon timed out waiting for its sensor): jammed door, lock or sensor fault`
            : r.outcome === "unlock_failed"
              ? `locker ${id}: the lock could not be driven (board or relay not answering)`
              : `locker ${id}: no answer from the door sensor within ${timeoutMs / 1000} s`;
      report(ctx, { lockerId: id, outcome: r.outcome, openedAfterMs: r.openedAfterMs, otherDoorsOpened: r.otherDoorsOpened }, text);
      return r.outcome === "opened" ? EXIT.OK : r.outcome === "unlock_failed" ? EXIT.HARDWARE : EXIT.FAILED;
    } catch (e) {
      if (e instanceof ApiError && e.code === "LOCKER_OCCUPIED") throw new CliError(`${e.message.replace(/; use force.*$/, "")}: refused (pass --force to open it anyway)`, e.exit, e.code);
      return needsDaemon(e, "opening a door");
    }
  },
};

function report(ctx: Parameters<Command["run"]>[0], json: Record<string, unknown>, text: string): void {
  if (ctx.out.json) ctx.out.printJson(json);
  else ctx.out.line(text);
}

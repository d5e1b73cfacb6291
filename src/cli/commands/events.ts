/** lockerctl events: the recent event log, filtered by type and locker, optionally followed. */
import { intOption, str, type Command } from "../command.js";
import { EVENT_HEADER, formatEvent } from "../event-format.js";
import { UnreachableError, usageError } from "../errors.js";
import { followEvents } from "../follow.js";
import { interruptSignal } from "../signals.js";
import { liveOrOffline } from "../source.js";
import type { EventView, EventsPage } from "../views.js";

export const eventsCommand: Command = {
  name: "events",
  help: `usage: lockerctl events [--type TYPE] [--locker ID] [--limit N] [--follow] [--json]

Lists the newest events of the bank's event log, oldest first. A --type ending in a dot
matches a family (door. = door.opened, door.closed, ...). With --follow, keeps printing new
events until Ctrl-C (needs the daemon). When the daemon is down the log is read from the
database read-only. Pickup codes are never shown.

Options:
  --type TYPE     e.g. parcel.assigned, or door. for every door event
  --locker ID     one locker's events
  -n, --limit N   how many (default 20, at most 1000)
  -f, --follow    then follow new events live (JSON: one object per line)`,
  options: { type: { type: "string" }, locker: { type: "string" }, limit: { type: "string", short: "n" }, follow: { type: "boolean", short: "f" } },
  async run(ctx, _args, values) {
    const type = str(values.type);
    if (type !== undefined && !/^[a-z_.]{1,64}$/.test(type)) throw usageError(`--type: expected an event type such as door.opened or door. (got ${type})`);
    const locker = str(values.locker)?.toUpperCase();
    if (locker !== undefined && !/^[A-Z][0-9]{2,3}$/.test(locker)) throw usageError(`--locker: not a locker id: ${locker}`);
    const limit = intOption(values, "limit", 20, 1, 1000);
    const { source, value } = await liveOrOffline(
      ctx,
      () => ctx.client().get<EventsPage>("/events", { type, locker, limit, order: "desc" }),
      (bank) => bank.events({ type, locker, limit, newestFirst: true }),
    );
    const events = [...value.events].reverse();
    const follow = values.follow === true;
    const keep = (e: EventView) => (!type || (type.endsWith(".") ? e.type.startsWith(type) : e.type === type)) && (!locker || e.lockerId === locker);
    const print = (e: EventView) => {
      if (ctx.out.json) ctx.out.printJsonLine(e);
      else ctx.out.line(formatEvent(ctx.out, e));
    };
    if (ctx.out.json && !follow) {
      ctx.out.printJson({ source, events, lastSeq: value.lastSeq });
      return 0;
    }
    if (!ctx.out.json) {
      ctx.out.line(EVENT_HEADER);
      if (!events.length) ctx.out.note("(no events match)");
    }
    events.forEach(print);
    if (!follow) return 0;
    if (source === "database") throw new UnreachableError("cannot --follow: the daemon is down (the events above were read from the database)");
    const stop = interruptSignal();
    try {
      await followEvents(ctx.client(), { after: value.lastSeq, signal: stop.signal }, (e) => {
        if (keep(e)) print(e);
      });
    } finally {
      stop.dispose();
    }
    return 0;
  },
};

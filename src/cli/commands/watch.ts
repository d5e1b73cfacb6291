/** lockerctl watch / test sensors: live events until Ctrl-C (door sensors included). */
import { str, type Command, type Values } from "../command.js";
import type { CliContext } from "../context.js";
import { EVENT_HEADER, formatEvent } from "../event-format.js";
import { followEvents } from "../follow.js";
import { lastSeq } from "../doors.js";
import { interruptSignal } from "../signals.js";
import { needsDaemon } from "../source.js";
import type { EventView } from "../views.js";

/** Door, alarm, hardware and input events: what a sensor test is about. */
const SENSOR_TYPES = /^(door\.|alarm\.|hardware\.|input\.|keypad\.|scanner\.)/;

export const watchCommand: Command = {
  name: "watch",
  help: `usage: lockerctl watch [--type PREFIX] [--locker ID] [--json]

Shows the bank's events as they happen, including door sensor changes, until Ctrl-C. Uses the
daemon's live stream (GET /events/stream) when it has one, else polls the event log and the
lockers' door states. With --json: one JSON object per line. Needs the running daemon (exit 3).

Options:
  --type PREFIX   only events whose type starts with PREFIX (e.g. door. or alarm.)
  --locker ID     only events of one locker`,
  options: { type: { type: "string" }, locker: { type: "string" } },
  run: (ctx, _args, values) => watch(ctx, values, null),
};

/** Used by \`test sensors\`: the same live view, limited to door/alarm/hardware/input events. */
export function watchSensors(ctx: CliContext, values: Values): Promise<number> {
  return watch(ctx, values, SENSOR_TYPES);
}

async function watch(ctx: CliContext, values: Values, only: RegExp | null): Promise<number> {
  const type = str(values.type);
  const locker = str(values.locker)?.toUpperCase();
  const client = ctx.client();
  const stop = interruptSignal();
  try {
    const after = await lastSeq(client);
    const keep = (e: EventView) => (!only || only.test(e.type)) && (!type || e.type.startsWith(type)) && (!locker || e.lockerId === locker);
    await followEvents(
      client,
      {
        after,
        doorPositions: true,
        signal: stop.signal,
        onMode: (mode) => {
          ctx.out.note(`watching ${client.where} (${mode === "stream" ? "live stream" : "polling: this daemon has no /events/stream"}); Ctrl-C to stop`);
          if (!ctx.out.json) ctx.out.line(EVENT_HEADER);
        },
      },
      (e) => {
        if (!keep(e)) return;
        if (ctx.out.json) ctx.out.printJsonLine(e);
        else ctx.out.line(formatEvent(ctx.out, e));
      },
    );
    return 0;
  } catch (e) {
    return needsDaemon(e, "watching live events");
  } finally {
    stop.dispose();
  }
}

/** lockerctl move: re-home a parcel from a jammed locker to the free one a technician put it in. */
import { lockerArg, str, type Command } from "../command.js";
import { usageError } from "../errors.js";
import { needsDaemon } from "../source.js";

interface MoveAnswer {
  parcelId: string;
  from: string;
  to: string;
}

export const moveCommand: Command = {
  name: "move",
  help: `usage: lockerctl move <from> <to> [--reason TEXT]

After a door jams with a parcel inside (alarm.door_jammed names the free lockers that fit):
take the parcel out of <from>, put it in <to> (free, the same size or larger), then run this.
The parcel's record names <to> from now on and the customer's code opens <to>; <from> stays
out of service until repaired (\`lockerctl enable\`). One transaction, recorded as parcel.moved.
Refused: <to> not free or smaller (INVALID_STATE), holding a parcel (LOCKER_OCCUPIED), a door
operation under way on either (LOCKER_BUSY), no stored parcel in <from> (INVALID_STATE).

Options:
  -r, --reason TEXT   why (default "door jammed"; 1-200 characters)`,
  options: { reason: { type: "string", short: "r" } },
  async run(ctx, args, values) {
    if (args.length !== 2) throw usageError("move needs two lockers: the jammed one and the free one the parcel is now in, e.g. lockerctl move A03 B05");
    const from = lockerArg(args, 0);
    const to = lockerArg(args, 1);
    const reason = str(values.reason)?.trim();
    if (values.reason !== undefined && !reason) throw usageError("--reason must not be empty");
    try {
      const r = await ctx.client().post<MoveAnswer>(`/lockers/${from}/move`, { to, ...(reason ? { reason } : {}) });
      if (ctx.out.json) ctx.out.printJson(r);
      else ctx.out.line(`parcel ${r.parcelId}: moved from ${r.from} to ${r.to}; its code now opens ${r.to}. ${r.from} stays out of service until repaired.`);
      return 0;
    } catch (e) {
      return needsDaemon(e, "moving a parcel");
    }
  },
};

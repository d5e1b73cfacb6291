/** lockerctl disable / enable: take a locker out of service with a reason, or put it back. */
import { lockerArg, str, type Command } from "../command.js";
import { usageError } from "../errors.js";
import { needsDaemon } from "../source.js";

interface ServiceAnswer {
  lockerId: string;
  status: string;
  serviceReason: string | null;
}

export const disableCommand: Command = {
  name: "disable",
  help: `usage: lockerctl disable <locker> --reason TEXT [--force]

Takes a locker out of service: it is no longer offered for deposits, and stays so until
\`lockerctl enable\`. A locker holding a parcel is refused (LOCKER_OCCUPIED, exit 1) unless
--force; the parcel stays recorded in it.

Options:
  -r, --reason TEXT   why (shown in status and sent upward; 1-200 characters)
  -f, --force         even though the locker holds a parcel`,
  options: { reason: { type: "string", short: "r" }, force: { type: "boolean", short: "f" } },
  async run(ctx, args, values) {
    const id = lockerArg(args, 0);
    const reason = str(values.reason)?.trim();
    if (!reason) throw usageError("--reason TEXT is required: say why the locker is out of service");
    try {
      const r = await ctx.client().post<ServiceAnswer>(`/lockers/${id}/service`, { inService: false, reason, force: values.force === true });
      if (ctx.out.json) ctx.out.printJson(r);
      else ctx.out.line(`locker ${r.lockerId}: ${ctx.out.paint("red", "out of service")} (${r.serviceReason ?? reason})`);
      return 0;
    } catch (e) {
      return needsDaemon(e, "taking a locker out of service");
    }
  },
};

export const enableCommand: Command = {
  name: "enable",
  help: `usage: lockerctl enable <locker>

Puts a locker back in service (its failed-open count is reset). It becomes available, or
reserved/occupied again if it still holds a parcel.`,
  options: {},
  async run(ctx, args) {
    const id = lockerArg(args, 0);
    try {
      const r = await ctx.client().post<ServiceAnswer>(`/lockers/${id}/service`, { inService: true });
      if (ctx.out.json) ctx.out.printJson(r);
      else ctx.out.line(`locker ${r.lockerId}: back in service, ${r.status.toLowerCase().replace(/_/g, " ")}`);
      return 0;
    } catch (e) {
      return needsDaemon(e, "putting a locker back in service");
    }
  },
};

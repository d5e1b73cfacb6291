/** The bank's answer to every door outcome: DoorOutcomes implemented with the use cases. */
import type { DoorOutcomes } from "../doors/supervisor.js";
import type { BankContext } from "./context.js";
import { doorClosed, doorDidNotOpen, doorOpened, recordDoorEvent } from "./door-outcomes.js";
import { doorForced } from "./found-open.js";
import { sensorFault } from "./health-events.js";

export function bankDoorOutcomes(ctx: BankContext): DoorOutcomes {
  return {
    opened: (_lockerId, intentId, evidence) => doorOpened(ctx, intentId, evidence),
    closed: (_lockerId, intentId) => doorClosed(ctx, intentId),
    didNotOpen: (_lockerId, intentId, reason, evidence) => doorDidNotOpen(ctx, intentId, reason, evidence),
    forced: (lockerId, how) => doorForced(ctx, lockerId, how),
    leftOpen: (lockerId, openForMs) => recordDoorEvent(ctx, "alarm.door_left_open", lockerId, { openForMs }),
    closedAfterAlarm: (lockerId) => recordDoorEvent(ctx, "alarm.door_closed", lockerId),
    health: (lockerIds, online, detail) =>
      recordDoorEvent(ctx, online ? "hardware.online" : "hardware.offline", null, { lockers: [...lockerIds], detail }),
    sensorUnstable: (lockerId, changes, windowMs) => sensorFault(ctx, lockerId, "alarm.sensor_unstable", { changes, windowMs }),
    sensorCutSuspected: (lockerId, openForMs) => sensorFault(ctx, lockerId, "alarm.sensor_cut_suspected", { openForMs }),
    sensorSettled: (lockerId, position) => recordDoorEvent(ctx, "alarm.sensor_settled", lockerId, { position }),
  };
}

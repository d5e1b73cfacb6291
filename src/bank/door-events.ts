/** The bank's answer to every door outcome: DoorOutcomes implemented with the use cases. */
import type { DoorOutcomes } from "../doors/supervisor.js";
import type { BankContext } from "./context.js";
import { doorClosed, doorDidNotOpen, doorOpened, recordDoorEvent } from "./door-outcomes.js";
import { doorForced } from "./found-open.js";

export function bankDoorOutcomes(ctx: BankContext): DoorOutcomes {
  return {
    opened: (_lockerId, intentId) => doorOpened(ctx, intentId),
    closed: (_lockerId, intentId) => doorClosed(ctx, intentId),
    didNotOpen: (_lockerId, intentId, reason) => doorDidNotOpen(ctx, intentId, reason),
    forced: (lockerId, how) => doorForced(ctx, lockerId, how),
    leftOpen: (lockerId, openForMs) => recordDoorEvent(ctx, "alarm.door_left_open", lockerId, { openForMs }),
    closedAfterAlarm: (lockerId) => recordDoorEvent(ctx, "alarm.door_closed", lockerId),
    health: (lockerIds, online, detail) =>
      recordDoorEvent(ctx, online ? "hardware.online" : "hardware.offline", null, { lockers: [...lockerIds], detail }),
    sensorUnstable: (lockerId, changes, windowMs) => recordDoorEvent(ctx, "alarm.sensor_unstable", lockerId, { changes, windowMs }),
    sensorSettled: (lockerId, position) => recordDoorEvent(ctx, "alarm.sensor_settled", lockerId, { position }),
  };
}

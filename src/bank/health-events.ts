/** Door-sensor faults: the alarm and its count towards the compartment's health, in one transaction. */
import { newEvent, type DataArg } from "../basics/events.js";
import type { BankContext } from "./context.js";
import { countHealth } from "./health.js";

export function sensorFault<T extends "alarm.sensor_unstable" | "alarm.sensor_cut_suspected">(ctx: BankContext, lockerId: string, type: T, ...data: DataArg<T>): void {
  const now = ctx.clock.now();
  ctx.store.write(() => {
    ctx.store.record(newEvent(type, { lockerId }, ...data), now);
    countHealth(ctx, lockerId, { sensor_flaps: 1 }, now);
  });
}

/**
 * A GPIO bank's wiring, from the layout: each locker's relay output and door input as BCM pin
 * numbers (layout lock fields `relay` and `sensor`). Every problem is listed at once.
 */
import { ConfigError } from "../../config/errors.js";
import type { BankLayout } from "../../config/layout.js";

export interface GpioLockerWiring {
  lockerId: string;
  /** BCM number of the relay output. */
  relay: number;
  /** BCM number of the door input. */
  sensor: number;
}

/**
 * Check the layout's pins: every locker has both, no pin is used twice, and (once the chip is
 * known) every pin is one the chip has. `source` names the layout file in the error.
 */
export function gpioWiring(layout: BankLayout, source: string, pinCount?: number): GpioLockerWiring[] {
  const problems: string[] = [];
  const users = new Map<number, string[]>();
  const wiring: GpioLockerWiring[] = [];
  for (const l of layout.lockers) {
    const { relay, sensor } = l.lock;
    if (relay === undefined) problems.push(`locker ${l.id}: no relay pin (lock.relay)`);
    if (sensor === undefined) problems.push(`locker ${l.id}: no door sensor pin (lock.sensor)`);
    for (const [what, pin] of [["relay", relay], ["sensor", sensor]] as const) {
      if (pin === undefined) continue;
      if (pinCount !== undefined && pin >= pinCount) problems.push(`locker ${l.id}: ${what} pin ${pin} is out of range (the GPIO chip has pins 0-${pinCount - 1})`);
      users.set(pin, [...(users.get(pin) ?? []), `${l.id} ${what}`]);
    }
    if (relay !== undefined && sensor !== undefined) wiring.push({ lockerId: l.id, relay, sensor });
  }
  for (const [pin, who] of users) if (who.length > 1) problems.push(`pin ${pin} is used ${who.length} times (${who.join(", ")})`);
  if (problems.length) throw new ConfigError(source, problems);
  return wiring;
}

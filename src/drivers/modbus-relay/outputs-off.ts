/**
 * lockerd-outputs-off for Modbus relay boards: a relay board could hold a relay on (switched on
 * by hand, or by another program on the bus), so every board of the layout is told to switch
 * every relay off.
 */
import type { BankLayout } from "../../config/layout.js";
import type { ResolvedConfig } from "../../config/load.js";
import { createBoardLockBank } from "../serial/from-config.js";
import type { SerialLine } from "../serial/line.js";

export async function modbusRelayOutputsOff(cfg: ResolvedConfig, layout: BankLayout, line?: SerialLine): Promise<string> {
  const bank = createBoardLockBank("modbus-relay", cfg, layout, line ? { line } : {});
  const failed = await bank.switchOutputsOffOnly();
  if (failed.length) throw new Error(`modbus-relay boards ${failed.join(", ")} did not confirm "all relays off" on ${cfg.hardware.serial.path ?? "the serial line"}`);
  return `every relay of the modbus-relay boards is off (confirmed by each board)`;
}

/**
 * Reading the bank from the daemon, or — for the read-only commands — from the database file
 * when the daemon is down, saying so clearly.
 */
import type { CliContext } from "./context.js";
import { UnreachableError } from "./errors.js";
import { OfflineBank } from "./offline.js";

export type Source = "daemon" | "database";

export async function liveOrOffline<T>(
  ctx: CliContext,
  live: () => Promise<T>,
  offline: (bank: OfflineBank) => T,
): Promise<{ source: Source; value: T }> {
  try {
    return { source: "daemon", value: await live() };
  } catch (e) {
    if (!(e instanceof UnreachableError)) throw e;
    ctx.unreachable = e;
    let bank: OfflineBank;
    try {
      bank = OfflineBank.open(ctx.databasePath());
    } catch (dbErr) {
      throw new UnreachableError(`${e.message}\nand the database cannot be read instead: ${(dbErr as Error).message}`);
    }
    try {
      ctx.out.warn(`${e.message}\nthe daemon is DOWN: reading ${bank.path} read-only (door positions unknown)`);
      return { source: "database", value: offline(bank) };
    } finally {
      bank.close();
    }
  }
}

/** Commands that drive hardware cannot fall back: say why and exit 3. */
export function needsDaemon(e: unknown, what: string): never {
  if (e instanceof UnreachableError) {
    throw new UnreachableError(`${e.message}\n${what} needs the running daemon (it drives the hardware); start lockerd (systemctl start lockerd) and try again`);
  }
  throw e;
}

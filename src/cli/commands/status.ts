/** lockerctl status: the bank as a grid of doors, counts per size, daemon and sync health. */
import type { Command } from "../command.js";
import type { CliContext } from "../context.js";
import { drawGrid, columnsOf } from "../grid.js";
import { daemonHealth, describeDaemon, describeSync, syncHealth, type DaemonHealth, type SyncHealth } from "../health.js";
import { liveOrOffline } from "../source.js";
import type { Client } from "../client.js";
import type { LockerView, StatusView } from "../views.js";

export const statusCommand: Command = {
  name: "status",
  help: `usage: lockerctl status [--json]

Draws the bank as it stands, column by column from the layout: each cell shows the locker's id,
size, status (free, resv = reserved, full, OOS = out of service) and door (closed, OPEN,
unlock = unlocking, ? = unknown), and "+" where an IR "item present" sensor sees an item
inside. Below: counts per size, lockers out of service with their
reasons, and the daemon's and sync's health. When the daemon is down the database is read
read-only (door positions unknown) and the output says so.`,
  options: {},
  async run(ctx) {
    const client = ctx.client();
    const daemon = await daemonHealth(client);
    const { source, value: view } = await liveOrOffline(
      ctx,
      () => client.get<StatusView>("/lockers/status"),
      (bank) => bank.status(sizesOf(ctx)),
    );
    const sync: SyncHealth | null = source === "daemon" ? await syncHealth(client) : null;
    const offline = source === "daemon" ? await hardwareOffline(client) : null;
    const layout = ctx.layout();
    if (ctx.out.json) {
      ctx.out.printJson({
        source,
        daemon,
        sync,
        layout: { name: layout?.name ?? null, columns: columnsOf(layout, view.lockers) },
        ...view,
        hardwareOffline: offline,
        notOffered: source === "daemon" ? notOffered(view.lockers, offline ?? []) : null,
      });
      return 0;
    }
    printStatus(ctx, view, daemon, sync, layout?.name ?? null, offline);
    return 0;
  },
};

function sizesOf(ctx: CliContext): string[] {
  const r = ctx.configResult();
  return "cfg" in r ? r.cfg.bank.sizes : ["S", "M", "L"];
}

/** The lockers whose hardware does not answer, exactly as GET /bank reports them (null: an older daemon). */
async function hardwareOffline(client: Client): Promise<string[] | null> {
  try {
    return (await client.get<{ hardwareOffline?: string[] }>("/bank")).hardwareOffline ?? null;
  } catch {
    return null;
  }
}

export interface NotOffered {
  /** Free lockers assign would not hand out now (free minus available): offline, faulted, door open or item inside. */
  total: number;
  /** Every locker (free or not) whose lock hardware does not answer: GET /bank's hardwareOffline. */
  offline: string[];
  /** Doors standing open. */
  open: string[];
  /** Other hardware faults the daemon reports (an unstable door sensor). */
  fault: string[];
  /** Free lockers whose IR sensor sees something inside. */
  itemInside: string[];
}

/**
 * Why free lockers are not offered, one reason per locker in this order: hardware offline, door
 * open, another fault, item inside. Open and faulted doors are not "offline" (issue 24, item 5).
 */
export function notOffered(lockers: readonly LockerView[], offlineIds: readonly string[]): NotOffered {
  const offline = new Set(offlineIds);
  const r: NotOffered = { total: 0, offline: [...offlineIds].sort(), open: [], fault: [], itemInside: [] };
  for (const l of lockers) {
    if (offline.has(l.id)) continue;
    if (l.door === "open") r.open.push(l.id);
    else if (l.fault === true) r.fault.push(l.id);
    else if (l.status === "AVAILABLE" && l.itemPresent === true) r.itemInside.push(l.id);
  }
  // What assign skips: exactly the free lockers the daemon does not count as available.
  r.total = lockers.filter((l) => l.status === "AVAILABLE" && (offline.has(l.id) || l.fault === true || l.itemPresent === true)).length;
  return r;
}

function printStatus(ctx: CliContext, view: StatusView, daemon: DaemonHealth, sync: SyncHealth | null, layoutName: string | null, offlineIds: string[] | null): void {
  const out = ctx.out;
  const total = view.lockers.length;
  out.line(`${out.paint("bold", "lockerd bank")}${layoutName ? ` (layout ${layoutName})` : ""}: ${total} lockers`);
  out.line();
  for (const l of drawGrid(out, ctx.layout(), view.lockers)) out.line(l);
  out.line();
  const rows = Object.entries(view.counts).map(([size, c]) => {
    const n = c.AVAILABLE + c.RESERVED + c.OCCUPIED + c.OUT_OF_SERVICE;
    return [size, String(n), String(view.available[size] ?? 0), String(c.RESERVED), String(c.OCCUPIED), String(c.OUT_OF_SERVICE)];
  });
  out.table(["size", "total", "available", "reserved", "occupied", "out of service"], rows);
  const oos = view.lockers.filter((l) => l.status === "OUT_OF_SERVICE");
  if (oos.length) {
    out.line();
    out.line(out.paint("bold", "Out of service:"));
    for (const l of oos) out.line(`  ${l.id}: ${l.serviceReason ?? "(no reason given)"}${l.parcelId ? ` — holds parcel ${l.parcelId}` : ""}`);
  }
  if (daemon.reachable && offlineIds !== null) {
    const why = notOffered(view.lockers, offlineIds);
    const list = (ids: string[]) => (ids.length > 12 ? `${ids.slice(0, 12).join(", ")} … (${ids.length})` : ids.join(", "));
    if (why.offline.length) out.line(`${out.paint(["bold", "red"], "Hardware offline:")} ${why.offline.length} locker${why.offline.length === 1 ? "" : "s"} (${list(why.offline)}): board or lock not answering`);
    if (why.open.length) out.line(`${out.paint(["bold", "yellow"], "Doors open:")} ${list(why.open)}`);
    if (why.fault.length) out.line(`${out.paint(["bold", "red"], "Faulted:")} ${list(why.fault)} (door sensor unstable or not settled)`);
    if (why.itemInside.length) out.line(`${out.paint(["bold", "red"], "Left behind:")} ${list(why.itemInside)} free but the IR sensor sees an item inside (not assigned)`);
    const free = Object.values(view.counts).reduce((n, c) => n + c.AVAILABLE, 0);
    const offered = Object.values(view.available).reduce((n, c) => n + c, 0);
    if (why.total) out.line(`${free} free, ${offered} offered, ${why.total} not offered now (hardware offline, door open, fault or item inside)`);
  } else {
    const open = view.lockers.filter((l) => l.door === "open");
    if (open.length) out.line(`${out.paint(["bold", "yellow"], "Doors open:")} ${open.map((l) => l.id).join(", ")}`);
  }
  out.line();
  out.line(`daemon: ${describeDaemon(out, daemon)}`);
  out.line(`sync:   ${sync ? describeSync(out, sync) : out.paint("dim", "unknown (daemon down)")}`);
}

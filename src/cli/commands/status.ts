/** lockerctl status: the bank as a grid of doors, counts per size, daemon and sync health. */
import type { Command } from "../command.js";
import type { CliContext } from "../context.js";
import { drawGrid, columnsOf } from "../grid.js";
import { daemonHealth, describeDaemon, describeSync, syncHealth, type DaemonHealth, type SyncHealth } from "../health.js";
import { liveOrOffline } from "../source.js";
import type { StatusView } from "../views.js";

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
    const layout = ctx.layout();
    if (ctx.out.json) {
      ctx.out.printJson({
        source,
        daemon,
        sync,
        layout: { name: layout?.name ?? null, columns: columnsOf(layout, view.lockers) },
        ...view,
      });
      return 0;
    }
    printStatus(ctx, view, daemon, sync, layout?.name ?? null);
    return 0;
  },
};

function sizesOf(ctx: CliContext): string[] {
  const r = ctx.configResult();
  return "cfg" in r ? r.cfg.bank.sizes : ["S", "M", "L"];
}

function printStatus(ctx: CliContext, view: StatusView, daemon: DaemonHealth, sync: SyncHealth | null, layoutName: string | null): void {
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
  const left = view.lockers.filter((l) => l.status === "AVAILABLE" && l.itemPresent === true);
  if (left.length) out.line(`${out.paint(["bold", "red"], "Left behind:")} ${left.map((l) => l.id).join(", ")} free but the IR sensor sees an item inside (not assigned)`);
  const open = view.lockers.filter((l) => l.door === "open");
  if (open.length) out.line(`${out.paint(["bold", "yellow"], "Doors open:")} ${open.map((l) => l.id).join(", ")}`);
  // Lockers free but not offered: their hardware is offline.
  const offline = Object.entries(view.counts).reduce((n, [s, c]) => n + Math.max(0, c.AVAILABLE - (view.available[s] ?? 0)), 0);
  if (daemon.reachable && offline > 0) out.line(`${out.paint(["bold", "red"], "Hardware offline:")} ${offline} free locker${offline === 1 ? "" : "s"} cannot be offered (board or lock not answering)`);
  out.line();
  out.line(`daemon: ${describeDaemon(out, daemon)}`);
  out.line(`sync:   ${sync ? describeSync(out, sync) : out.paint("dim", "unknown (daemon down)")}`);
}

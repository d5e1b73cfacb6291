/** lockerctl parcels: find parcels by id, tracking ref, locker or status. Never shows codes. */
import { intOption, PARCEL_ID, str, type Command } from "../command.js";
import type { CliContext } from "../context.js";
import { ApiError, CliError, usageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { shortTime } from "../output.js";
import { liveOrOffline } from "../source.js";
import type { ParcelView } from "../views.js";

const STATUSES = ["ASSIGNED", "STORED", "PICKED_UP", "EXPIRED", "CANCELLED"] as const;
type Status = (typeof STATUSES)[number];

export const parcelsCommand: Command = {
  name: "parcels",
  help: `usage: lockerctl parcels [PARCEL_ID] [--ref TRACKING_REF] [--locker ID] [--status STATUS] [--limit N] [--json]

With a parcel id: that parcel's full record (status and every time stamp). Otherwise the
newest parcels matching the filters. Pickup codes are never shown (the bank keeps only a keyed
hash). Works read-only from the database when the daemon is down. Exit 4 when nothing matches
a parcel id.

Options:
  --ref REF         the courier's tracking reference
  --locker ID       parcels that were in this locker
  --status STATUS   ASSIGNED, STORED, PICKED_UP, EXPIRED or CANCELLED
  -n, --limit N     how many (default 20, at most 1000)`,
  options: { ref: { type: "string" }, locker: { type: "string" }, status: { type: "string" }, limit: { type: "string", short: "n" } },
  async run(ctx, args, values) {
    const id = args[0];
    if (id !== undefined) {
      if (!PARCEL_ID.test(id)) throw usageError(`not a parcel id: ${id} (expected p_ and 20 hex digits; search a tracking ref with --ref)`);
      return showOne(ctx, id);
    }
    const ref = str(values.ref);
    const locker = str(values.locker)?.toUpperCase();
    if (locker !== undefined && !/^[A-Z][0-9]{2,3}$/.test(locker)) throw usageError(`--locker: not a locker id: ${locker}`);
    const statusRaw = str(values.status)?.toUpperCase();
    if (statusRaw !== undefined && !(STATUSES as readonly string[]).includes(statusRaw)) throw usageError(`--status: expected one of ${STATUSES.join(", ")}`);
    const status = statusRaw as Status | undefined;
    const limit = intOption(values, "limit", 20, 1, 1000);
    const { source, value } = await liveOrOffline(
      ctx,
      async () => {
        try {
          return (await ctx.client().get<{ parcels: ParcelView[] }>("/packages", { ref, locker, status, limit })).parcels;
        } catch (e) {
          if (e instanceof ApiError && e.noSuchRoute) throw new CliError("this daemon cannot search parcels (no GET /packages: an older lockerd); look one up by id", EXIT.NOT_FOUND, e.code);
          throw e;
        }
      },
      (bank) => bank.parcels({ ref, locker, status, limit }),
    );
    if (ctx.out.json) {
      ctx.out.printJson({ source, parcels: value });
      return 0;
    }
    if (!value.length) {
      ctx.out.note("no parcels match");
      return 0;
    }
    ctx.out.table(
      ["parcel", "ref", "size", "locker", "status", "created", "expires", "last change"],
      value.map((p) => [p.parcelId, p.trackingRef ?? "-", p.size, p.lockerId, statusText(ctx, p), shortTime(p.createdAt), isReturn(p) ? "return" : shortTime(p.expiresAt), lastChange(p)]),
    );
    return 0;
  },
};

async function showOne(ctx: CliContext, id: string): Promise<number> {
  const { source, value } = await liveOrOffline(
    ctx,
    async () => {
      try {
        return await ctx.client().get<ParcelView>(`/packages/${id}`);
      } catch (e) {
        if (e instanceof ApiError && e.code === "PARCEL_NOT_FOUND") return null;
        throw e;
      }
    },
    (bank) => bank.parcel(id),
  );
  if (!value) throw new CliError(`no parcel ${id}`, EXIT.NOT_FOUND, "PARCEL_NOT_FOUND");
  if (ctx.out.json) {
    ctx.out.printJson({ source, parcel: value });
    return 0;
  }
  const rows: [string, string][] = [
    ["parcel", value.parcelId],
    ["tracking ref", value.trackingRef ?? "-"],
    ["size", value.size],
    ["locker", `${value.lockerId}${value.inLocker ? " (has a claim on it)" : ""}`],
    ["status", statusText(ctx, value)],
    ...(isReturn(value) ? ([["return of", value.carrier ?? "-"]] as [string, string][]) : []),
    ["created", value.createdAt],
    ["expires", isReturn(value) ? "never (a return waits for its carrier)" : value.expiresAt],
    ["stored", value.storedAt ?? "-"],
    ["picked up", value.pickedUpAt ?? "-"],
    ["expired", value.expiredAt ?? "-"],
    ["cancelled", value.cancelledAt ?? "-"],
    ["removed", value.removedAt ?? "-"],
    ["released", value.releasedAt ?? "-"],
  ];
  for (const [k, v] of rows) ctx.out.line(`${k.padEnd(13)} ${v}`);
  return 0;
}

function statusText(ctx: CliContext, p: ParcelView): string {
  const style = p.status === "STORED" ? "cyan" : p.status === "ASSIGNED" ? "yellow" : p.status === "EXPIRED" ? "red" : "dim";
  return ctx.out.paint(style, p.status);
}

function lastChange(p: ParcelView): string {
  const t = [p.releasedAt, p.removedAt, p.cancelledAt, p.expiredAt, p.pickedUpAt, p.storedAt].filter((x): x is string => x !== null).sort().at(-1);
  return shortTime(t ?? p.createdAt);
}

/** A return (issue 23); a daemon from before returns sends no kind. */
const isReturn = (p: ParcelView) => (p as Partial<ParcelView>).kind === "return";

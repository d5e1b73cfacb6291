/** One event as a line for people: sequence, time, type, locker, parcel, the rest of its data. */
import { eventLevel } from "../basics/events.js";
import { shortTime, type Output, type Style } from "./output.js";
import { scrub } from "./output.js";
import type { EventView } from "./views.js";

function styleOf(type: string): Style | Style[] | null {
  if (type.startsWith("alarm.")) return ["bold", "red"];
  if (eventLevel(type) === "fault") return "red";
  if (type.startsWith("door.")) return "yellow";
  if (type.startsWith("parcel.")) return "cyan";
  if (type.startsWith("locker.")) return "magenta";
  return null;
}

export function formatEvent(out: Output, e: EventView): string {
  const seq = e.seq === null ? "     -" : String(e.seq).padStart(6);
  const time = shortTime(e.at) + (e.clockSynced === false ? "?" : " ");
  const style = styleOf(e.type);
  const type = style ? out.paint(style, e.type.padEnd(22)) : e.type.padEnd(22);
  const data = scrub(e.data) as Record<string, unknown>;
  const rest = Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "number" && k.endsWith("At") ? shortTime(new Date(v).toISOString()) : typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${seq} ${time} ${type} ${(e.lockerId ?? "").padEnd(4)} ${(e.parcelId ?? "").padEnd(22)} ${rest}`.trimEnd();
}

export const EVENT_HEADER = `${"seq".padStart(6)} ${"time".padEnd(9)} ${"type".padEnd(22)} ${"lock".padEnd(4)} ${"parcel".padEnd(22)} details`;

/**
 * What to do with a claimed message, from the parcel's state now: send it, skip it, or look
 * again later (a deadline moved, a bank has not reported the expiry yet). Pure: tests call it
 * directly.
 */
import type { ClaimedMessage } from "./deliveries.js";

export type Decision =
  | { action: "send"; deadline: Date | null }
  | { action: "skip"; reason: string }
  | { action: "later"; at: number; rearmReminderFor?: Date };

export interface DecideSettings {
  reminderHoursBefore: number;
  recheckMs: number;
}

const HOUR = 3_600_000;

export function decide(m: ClaimedMessage, now: number, s: DecideSettings): Decision {
  // a return has no parcel row centrally: the bank's return.stored event is what happened
  if (m.kind === "return_stored") return { action: "send", deadline: null };
  const status = m.parcelStatus;
  const deadline = m.expiresAt;
  if (status === null) return { action: "skip", reason: "the parcel is not known centrally" };
  switch (m.kind) {
    case "stored":
      if (status !== "STORED") return { action: "skip", reason: `the parcel is ${status.toLowerCase()} already` };
      return { action: "send", deadline };
    case "reminder": {
      if (status !== "STORED") return { action: "skip", reason: `the parcel is ${status.toLowerCase()}` };
      if (!deadline) return { action: "skip", reason: "the parcel has no deadline" };
      if (deadline.getTime() <= now) return { action: "skip", reason: "the deadline has passed" };
      const due = deadline.getTime() - s.reminderHoursBefore * HOUR;
      // the deadline moved later since this was planned: remind before the new one
      if (due > now) return { action: "later", at: due };
      return { action: "send", deadline };
    }
    case "expired":
      if (status === "EXPIRED") return { action: "send", deadline };
      if (status !== "STORED") return { action: "skip", reason: `the parcel is ${status.toLowerCase()}` };
      if (deadline && deadline.getTime() > now) return { action: "later", at: deadline.getTime(), rearmReminderFor: deadline };
      // past the deadline, but the bank has not reported the expiry (yet): look again
      return { action: "later", at: now + s.recheckMs };
    case "picked_up":
      return status === "PICKED_UP" ? { action: "send", deadline: null } : { action: "skip", reason: `the parcel is ${status.toLowerCase()}` };
  }
}

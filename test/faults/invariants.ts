/**
 * The bank's invariants, checked straight on the database file: what must hold whatever
 * happened to the daemon.
 */
import Database from "better-sqlite3";

export interface InvariantReport {
  problems: string[];
  parcels: { id: string; status: string; lockerId: string; inLocker: number; codeHash: Buffer | null }[];
  lockers: { id: string; status: string; serviceReason: string | null }[];
}

/** Check a database file (opened read-only) or an open connection. */
export function checkInvariants(target: string | Database.Database, opts: { integrity?: boolean } = {}): InvariantReport {
  const db = typeof target === "string" ? new Database(target, { readonly: true }) : target;
  try {
    const problems: string[] = [];
    if (opts.integrity ?? true) {
      const integrity = db.pragma("integrity_check", { simple: true });
      if (integrity !== "ok") problems.push(`integrity_check: ${String(integrity)}`);
    }
    const doubled = db.prepare(`SELECT locker_id AS l, count(*) AS n FROM parcels WHERE in_locker = 1 GROUP BY locker_id HAVING n > 1`).all() as { l: string; n: number }[];
    for (const d of doubled) problems.push(`locker ${d.l} holds ${d.n} parcels`);
    const parcels = db.prepare(`SELECT id, status, locker_id AS lockerId, in_locker AS inLocker, code_hash AS codeHash FROM parcels`).all() as InvariantReport["parcels"];
    const lockers = db.prepare(`SELECT id, status, service_reason AS serviceReason FROM lockers`).all() as InvariantReport["lockers"];
    const byLocker = new Map(parcels.filter((p) => p.inLocker === 1).map((p) => [p.lockerId, p]));
    for (const l of lockers) {
      const p = byLocker.get(l.id);
      if (l.status === "AVAILABLE" && p) problems.push(`locker ${l.id} is AVAILABLE but holds ${p.id} (${p.status})`);
      if (l.status === "OCCUPIED" && !p) problems.push(`locker ${l.id} is OCCUPIED but holds nothing`);
      if (l.status === "RESERVED" && !p) problems.push(`locker ${l.id} is RESERVED for nothing`);
    }
    const counts = new Map<string, number>();
    for (const r of db.prepare(`SELECT parcel_id AS p, type, count(*) AS n FROM events WHERE parcel_id IS NOT NULL AND type IN ('parcel.assigned','parcel.stored','parcel.picked_up','parcel.expired','parcel.cancelled') GROUP BY parcel_id, type`).all() as { p: string; type: string; n: number }[]) {
      counts.set(`${r.p} ${r.type}`, r.n);
    }
    const eventsOf = (id: string, type: string) => counts.get(`${id} ${type}`) ?? 0;
    for (const p of parcels) {
      const live = p.status === "ASSIGNED" || p.status === "STORED";
      if (!live && p.codeHash !== null) problems.push(`parcel ${p.id} is ${p.status} but its code still works`);
      if (eventsOf(p.id, "parcel.assigned") !== 1) problems.push(`parcel ${p.id} has ${eventsOf(p.id, "parcel.assigned")} parcel.assigned events`);
      for (const [status, type] of [["STORED", "parcel.stored"], ["PICKED_UP", "parcel.picked_up"], ["EXPIRED", "parcel.expired"], ["CANCELLED", "parcel.cancelled"]] as const) {
        if (p.status === status && eventsOf(p.id, type) !== 1) problems.push(`parcel ${p.id} is ${status} with ${eventsOf(p.id, type)} ${type} events`);
      }
      if (eventsOf(p.id, "parcel.picked_up") > 1) problems.push(`parcel ${p.id} was picked up ${eventsOf(p.id, "parcel.picked_up")} times`);
    }
    const active = db.prepare(`SELECT locker_id AS l, count(*) AS n FROM door_intents WHERE state IN ('pending','opened') GROUP BY locker_id HAVING n > 1`).all() as { l: string }[];
    for (const a of active) problems.push(`locker ${a.l} has more than one unfinished door intent`);
    return { problems, parcels, lockers };
  } finally {
    if (typeof target === "string") db.close();
  }
}

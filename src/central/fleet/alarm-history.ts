/**
 * How long the fleet remembers an alarm's earlier openings (central.alarm_openings, central
 * migration 12): every instance of lockerd-central deletes, every `pruneEveryMs`, the openings
 * cleared longer ago than `keepDays`, oldest first and at most `pruneBatch` of them a run (a
 * backlog, after an upgrade, is worked off over the following runs). An id pruned answers 404
 * (unknown) instead of 409 (already cleared), unless an operator's clear of it is still in
 * central.alarm_clearings, which is not pruned. Several instances prune side by side: each
 * skips the rows another is deleting.
 */
import { z } from "zod";
import type { Logger } from "../../system/logger.js";
import type { CentralClock, Running } from "../service/module.js";

/** A pool or a client. */
interface Queryable {
  query(sql: string, params: unknown[]): Promise<{ rowCount: number | null }>;
}

const DAY_MS = 86_400_000;

export const alarmHistorySettings = z
  .object({
    /** Earlier openings of an alarm cleared longer ago than this are deleted. */
    keepDays: z.number().int().min(1).max(3650).default(90),
    /** How often each instance prunes. */
    pruneEveryMs: z.number().int().min(1000).max(DAY_MS).default(600_000),
    /** At most this many openings deleted a run. */
    pruneBatch: z.number().int().min(1).max(100_000).default(5000),
  })
  .strict()
  .prefault({});

export type AlarmHistorySettings = z.infer<typeof alarmHistorySettings>;

/** Delete at most `limit` openings cleared before `before`, oldest first; returns how many. */
export async function pruneAlarmOpenings(db: Queryable, q: { before: Date; limit: number }): Promise<number> {
  const r = await db.query(
    `WITH old AS (
       SELECT o.id FROM central.alarm_openings o WHERE o.cleared_at < $1
       ORDER BY o.cleared_at LIMIT $2 FOR UPDATE SKIP LOCKED
     )
     DELETE FROM central.alarm_openings o USING old WHERE o.id = old.id`,
    [q.before, q.limit],
  );
  return r.rowCount ?? 0;
}

/** The periodic prune of one instance: the first run at start, then every `pruneEveryMs`. */
export function startAlarmHistoryPrune(d: { db: Queryable; clock: CentralClock; log: Logger }, s: AlarmHistorySettings): Running {
  const log = d.log.child({ component: "alarm-history" });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    running = pruneAlarmOpenings(d.db, { before: new Date(d.clock.now() - s.keepDays * DAY_MS), limit: s.pruneBatch })
      .then((n) => {
        if (n > 0) log.info({ deleted: n, keepDays: s.keepDays, more: n === s.pruneBatch }, "earlier alarm openings pruned");
      })
      .catch((e: unknown) => log.warn({ err: e }, "pruning earlier alarm openings failed; trying again at the next run"))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(tick, s.pruneEveryMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

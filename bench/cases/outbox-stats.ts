/**
 * Outbox figures with a long backlog: SyncOutbox.stats() (GET /sync, every metrics scrape, in
 * the daemon's event loop) with 100,000 events waiting behind a kept log of sent ones, next to
 * the full count of unsent rows it replaced, measured in the same run on the same file.
 */
import { openBenchBank } from "../support/bank.js";
import type { Benchmark } from "../support/result.js";
import { nowMs, summarise } from "../support/stats.js";
import { round } from "./allocation.js";
import { fillOutbox } from "./sync-catchup.js";

function timed(samples: number, fn: () => unknown): ReturnType<typeof summarise> {
  const times: number[] = [];
  for (let i = 0; i < samples + 5; i++) {
    const t0 = nowMs();
    fn();
    if (i >= 5) times.push(nowMs() - t0); // the first 5 warm up
  }
  return summarise(times);
}

export const outboxStats: Benchmark = async ({ quick, log }) => {
  const bank = await openBenchBank();
  try {
    const db = bank.ctx.store.db;
    const sent = quick ? 5_000 : 100_000;
    const unsent = quick ? 5_000 : 100_000;
    fillOutbox(db, sent + unsent);
    const outbox = bank.ctx.store.outbox;
    outbox.markSent(1, sent, Date.now());
    const stats = outbox.stats();
    if (stats.backlog !== unsent || stats.lastSentSeq !== sent) throw new Error(`stats() says ${JSON.stringify(stats)}, expected a backlog of ${unsent} after ${sent}`);
    const count = db.prepare(`SELECT count(*) AS n FROM events WHERE sent_at IS NULL`);
    const s = timed(quick ? 20 : 500, () => outbox.stats());
    const c = timed(quick ? 10 : 50, () => count.get());
    log(`  stats(): median ${s.median.toFixed(3)} ms; a count of the ${unsent} unsent rows: median ${c.median.toFixed(1)} ms`);
    return [
      { name: `outbox.stats_ms.backlog_${unsent}`, value: round(s.median, 4), unit: "ms", p99: round(s.p99, 4), samples: s.n, kept: sent + unsent },
      { name: `outbox.count_ms.backlog_${unsent}`, value: round(c.median, 3), unit: "ms", p99: round(c.p99, 3), samples: c.n, note: "the full count stats() used before, for comparison" },
    ];
  } finally {
    await bank.close();
  }
};

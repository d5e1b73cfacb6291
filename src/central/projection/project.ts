/**
 * Applying landed batches to the projections (central migration 9): one call of
 * central.project_landed is one transaction over one bank's waiting batches; any number of
 * callers at once (SKIP LOCKED), each batch projected once.
 */
import type pg from "pg";

export interface Projected {
  bankId: string | null;
  batches: number;
  events: number;
}

type Queryable = Pick<pg.ClientBase, "query">;

/** One bank's waiting batches, at most `maxBatches` (0 batches: none waiting free to take). */
export async function projectOnce(db: Queryable, maxBatches: number): Promise<Projected> {
  const r = await db.query<{ bank_id: string | null; batches: number; events: string }>(
    "SELECT bank_id, batches, events FROM central.project_landed($1)",
    [maxBatches],
  );
  const row = r.rows[0]!;
  return { bankId: row.bank_id, batches: row.batches, events: Number(row.events) };
}

/**
 * The call locked a bank whose batches another caller projected meanwhile (its look at the
 * waiting batches came before that commit): something may still wait, so ask again at once.
 */
export function lostRace(p: Projected): boolean {
  return p.batches === 0 && p.bankId !== null;
}

/** Project until nothing free is waiting, or `maxCalls` calls (bounded). Returns the batches and events projected. */
export async function projectAll(db: Queryable, maxBatches = 16, maxCalls = 100_000): Promise<{ batches: number; events: number }> {
  let batches = 0;
  let events = 0;
  for (let i = 0; i < maxCalls; i++) {
    const p = await projectOnce(db, maxBatches);
    if (p.batches === 0 && !lostRace(p)) break;
    batches += p.batches;
    events += p.events;
  }
  return { batches, events };
}

export interface ProjectionBacklog {
  batches: number;
  events: number;
  banks: number;
  /** The oldest waiting batch's landing time (null: nothing waits). */
  oldestLandedAt: Date | null;
  /** Batches whose projection failed (tried again a minute after each failure). */
  failing: number;
}

export async function projectionBacklog(db: Queryable): Promise<ProjectionBacklog> {
  const r = await db.query<{ batches: string; events: string; banks: string; oldest_landed_at: Date | null; failing: string }>(
    "SELECT batches, events, banks, oldest_landed_at, failing FROM central.projection_backlog()",
  );
  const x = r.rows[0]!;
  return { batches: Number(x.batches), events: Number(x.events), banks: Number(x.banks), oldestLandedAt: x.oldest_landed_at, failing: Number(x.failing) };
}

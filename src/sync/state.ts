/** What the API (GET /sync, POST /sync/now) and metrics see of the sync loop; no pg here. */
export interface SyncStatus {
  configured: boolean;
  backlog: number;
  oldestUnsentAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lagMs: number | null;
  lastSentSeq: number;
  /** Push cycles ended since the daemon started, successful or not (a client that asked for a push sees its outcome). */
  attempts: number;
  /** Reachable-door hints from the pre-advice the bank holds for parcels still to come (absent: not known). */
  adviceHints?: number;
}

export interface SyncControl {
  status(): SyncStatus;
  /** Push now instead of waiting for the next interval or backoff. */
  pushNow(): void;
}

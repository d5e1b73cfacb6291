/** /sync: the upward sync's state (backlog, last success, last error, lag) and a push on demand. */
import { Router } from "express";
import { LockerdError } from "../../bank/errors.js";
import { SyncOutbox } from "../../store/sync-outbox.js";
import type { ApiDeps } from "../deps.js";

export function syncRouter(deps: ApiDeps): Router {
  const r = Router();
  // Without sync the outbox still fills: show how much is waiting.
  const outbox = deps.sync ? null : new SyncOutbox(deps.ctx.store.db);

  r.get("/sync", deps.auth.allow("monitor"), (_req, res) => {
    if (deps.sync) return void res.json(deps.sync.status());
    const s = outbox!.stats();
    res.json({
      configured: false,
      backlog: s.backlog,
      oldestUnsentAt: s.oldestUnsentAt === null ? null : new Date(s.oldestUnsentAt).toISOString(),
      lastSuccessAt: null,
      lastError: null,
      lagMs: null,
      lastSentSeq: s.lastSentSeq,
    });
  });

  r.post("/sync/now", deps.auth.allow(), (_req, res) => {
    if (!deps.sync) throw new LockerdError("INVALID_STATE", "sync to the central database is not configured (sync.enabled)");
    deps.sync.pushNow();
    res.status(202).json({ accepted: true });
  });

  return r;
}

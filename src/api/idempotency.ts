/**
 * The Idempotency-Key request header on the non-idempotent POSTs (assign, pickup, cancel,
 * collect, a technician's open): the same key with the same request (method, path, body) from
 * the same caller answers the first answer again, for a day; the same key with another request
 * is 422 IDEMPOTENCY_KEY_REUSED; while the first is still being answered, 409
 * IDEMPOTENCY_IN_PROGRESS. Answers of 5xx are not kept (the request may be retried for real).
 *
 * What is kept (SQLite, idempotency_keys): an HMAC of caller and key, an HMAC of the request,
 * and the answer sealed with AES-256-GCM under a key derived from the code secret and the
 * Idempotency-Key itself — an assignment's answer holds the pickup code, and only a retry that
 * knows the key can read it back. Rows older than a day are deleted (secure_delete zeroes them).
 */
import type { RequestHandler, Response } from "express";
import type { BankContext } from "../bank/context.js";
import { LockerdError } from "../basics/errors.js";
import type { Logger } from "../system/logger.js";
import type { Caller } from "./auth.js";

export const IDEMPOTENCY_HEADER = "idempotency-key";
const KEY = /^[\x21-\x7e]{1,255}$/;
const KEEP_MS = 86_400_000;
/** A claim this old was left by a daemon that stopped mid-answer: the key may be used again. */
const STALE_CLAIM_MS = 120_000;

interface Kept {
  status: number;
  type: string | null;
  body: string;
}

export function idempotencyKeys(ctx: BankContext, log: Logger): RequestHandler {
  const table = ctx.store.idempotency;
  return (req, res, next) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!KEY.test(key)) throw new LockerdError("VALIDATION_FAILED", "Idempotency-Key must be 1 to 255 printable ASCII characters", { field: "Idempotency-Key" });
    const caller = (res.locals.caller as Caller | undefined)?.name ?? "-";
    const id = ctx.codes.digest("idempotency-id", caller, key);
    const request = ctx.codes.digest("idempotency-request", req.method, req.path, JSON.stringify(req.body ?? null));
    const now = ctx.clock.now();
    const decision = ctx.store.write(() => {
      table.purge(now - KEEP_MS);
      const row = table.get(id);
      if (!row || (row.state === "started" && now - row.createdAt > STALE_CLAIM_MS)) {
        table.start(id, request, now);
        return { kind: "new" } as const;
      }
      if (!row.request.equals(request)) return { kind: "reused" } as const;
      if (row.state === "started" || !row.answer) return { kind: "busy" } as const;
      return { kind: "replay", answer: row.answer } as const;
    });
    if (decision.kind === "reused") throw new LockerdError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with another request; use a new key for a new request");
    if (decision.kind === "busy") throw new LockerdError("IDEMPOTENCY_IN_PROGRESS", "a request with this Idempotency-Key is still being answered; retry shortly", { retryAfterSeconds: 1 });
    if (decision.kind === "replay") {
      const plain = ctx.codes.unseal(key, decision.answer);
      if (!plain) throw new LockerdError("INTERNAL", "the kept answer for this Idempotency-Key cannot be read");
      const kept = JSON.parse(plain.toString("utf8")) as Kept;
      res.setHeader("Idempotent-Replayed", "true");
      if (kept.type) res.type(kept.type);
      res.status(kept.status).send(kept.body);
      return;
    }
    keepAnswer(res, (kept) => {
      try {
        ctx.store.write(() => (kept && kept.status < 500 ? table.finish(id, kept.status, ctx.codes.seal(key, Buffer.from(JSON.stringify(kept)))) : table.drop(id)));
      } catch (err) {
        log.error({ err }, "the answer for an Idempotency-Key could not be kept");
      }
    });
    next();
  };
}

/** Call `done` once the response is sent (with what was sent) or abandoned (null). */
function keepAnswer(res: Response, done: (kept: Kept | null) => void): void {
  let kept: Kept | null = null;
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    if (kept === null) {
      const text = typeof body === "string" ? body : Buffer.isBuffer(body) ? body.toString("utf8") : JSON.stringify(body ?? null);
      const type = res.get("content-type");
      kept = { status: res.statusCode, type: typeof type === "string" ? type : null, body: text };
    }
    return send(body);
  };
  let called = false;
  const once = (k: Kept | null) => {
    if (called) return;
    called = true;
    done(k);
  };
  res.on("finish", () => once(kept));
  res.on("close", () => once(res.writableFinished ? kept : null));
}

/**
 * The daemon's uplink: the reading, JSON building and PostgreSQL work of sync run in a worker
 * thread (uplink-worker.ts) with its own read-only SQLite connection, so they never hold the
 * event loop where a keypad report or a request waits. The worker writes nothing; the sync loop
 * marks each committed batch through the store in this thread (the single writer).
 *
 * The worker is started at the first use and again after it dies (its failure fails the
 * operation in progress; the loop backs off and retries, as after any central failure).
 */
import { Worker } from "node:worker_threads";
import { workerEntry } from "../system/worker-entry.js";
import type pg from "pg";
import type { AdviceHintRow, BankStatusReport, CentralCommand, PassRevocation } from "./central-link.js";
import type { PushedBatch, PushHooks, Uplink } from "./uplink.js";
import { span, spanStart } from "../system/trace.js";

export type ToWorker =
  | { op: "push"; id: number; bankId: string; afterSeq: number; batchSize: number }
  | { op: "proceed"; id: number }
  | { op: "cancel"; id: number }
  | { op: "pull"; id: number; bankId: string; limit: number }
  | { op: "report"; id: number; bankId: string; status: BankStatusReport }
  | { op: "revocations"; id: number; bankId: string; afterId: number; limit: number }
  | { op: "hints"; id: number; bankId: string; afterId: number; limit: number }
  | { op: "hold"; ms: number }
  | { op: "release" }
  | { op: "close" };

export interface WorkerError {
  message: string;
  code: string | undefined;
  stack: string | undefined;
}

export type ToMain =
  | { id: number; kind: "committed"; batch: PushedBatch }
  | { id: number; kind: "batch"; batch: PushedBatch }
  | { id: number; kind: "done" }
  | { id: number; kind: "commands"; commands: CentralCommand[] }
  | { id: number; kind: "reported" }
  | { id: number; kind: "revocations"; revocations: PassRevocation[] }
  | { id: number; kind: "hints"; hints: AdviceHintRow[] }
  | { id: number; kind: "error"; error: WorkerError };

export interface WorkerUplinkOptions {
  /** The bank's SQLite file (the worker opens it read-only). */
  dbPath: string;
  connection: pg.ClientConfig;
  /** The bank's key (sync.keyFile): it logs in as the shared ingest role. */
  bankKey?: string | undefined;
}

export class WorkerUplink implements Uplink {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly handlers = new Map<number, (m: ToMain) => void>();
  private closed = false;

  constructor(private readonly opts: WorkerUplinkOptions) {}

  async *push(bankId: string, afterSeq: number, batchSize: number, hooks: PushHooks): AsyncGenerator<PushedBatch, void, undefined> {
    const id = this.nextId++;
    const queue: ToMain[] = [];
    let wake: (() => void) | null = null;
    this.handlers.set(id, (m) => {
      queue.push(m);
      wake?.();
    });
    let finished = false;
    try {
      this.post({ op: "push", id, bankId, afterSeq, batchSize });
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = null;
        const m = queue.shift()!;
        switch (m.kind) {
          case "committed":
            await hooks.committed(m.batch);
            this.post({ op: "proceed", id });
            break;
          case "batch":
            yield m.batch;
            if (hooks.stopped()) return;
            break;
          case "done":
            finished = true;
            return;
          case "error":
            finished = true;
            throw rebuild(m.error);
          case "commands":
          case "reported":
          case "revocations":
          case "hints":
            break;
        }
      }
    } finally {
      this.handlers.delete(id);
      if (!finished && this.worker) this.post({ op: "cancel", id });
    }
  }

  pullCommands(bankId: string, limit: number): Promise<CentralCommand[]> {
    return this.ask((id) => ({ op: "pull", id, bankId, limit }), (m) => (m.kind === "commands" ? m.commands : undefined));
  }

  reportStatus(bankId: string, status: BankStatusReport): Promise<void> {
    return this.ask((id) => ({ op: "report", id, bankId, status }), (m) => (m.kind === "reported" ? null : undefined)).then(() => undefined);
  }

  pullPassRevocations(bankId: string, afterId: number, limit: number): Promise<PassRevocation[]> {
    return this.ask((id) => ({ op: "revocations", id, bankId, afterId, limit }), (m) => (m.kind === "revocations" ? m.revocations : undefined));
  }

  pullAdviceHints(bankId: string, afterId: number, limit: number): Promise<AdviceHintRow[]> {
    return this.ask((id) => ({ op: "hints", id, bankId, afterId, limit }), (m) => (m.kind === "hints" ? m.hints : undefined));
  }

  /** One request to the worker and its one answer (`answer` undefined: not this request's kind). */
  private ask<T>(request: (id: number) => ToWorker, answer: (m: ToMain) => T | undefined): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.handlers.set(id, (m) => {
        if (m.kind === "error") {
          this.handlers.delete(id);
          reject(rebuild(m.error));
          return;
        }
        const v = answer(m);
        if (v === undefined) return;
        this.handlers.delete(id);
        resolve(v);
      });
      try {
        this.post(request(id));
      } catch (e) {
        this.handlers.delete(id);
        reject(e);
      }
    });
  }

  /** A customer's flush is coming: the worker starts no flush of its own for up to ms (a worker not started has none to hold). */
  holdFlushes(ms: number): void {
    if (!this.closed) this.worker?.postMessage({ op: "hold", ms } satisfies ToWorker);
  }

  /** The customer's flush came, or is not coming. */
  releaseFlushes(): void {
    if (!this.closed) this.worker?.postMessage({ op: "release" } satisfies ToWorker);
  }

  /** Close the worker's connections and end it (a batch in flight is cut off, re-sent next time). */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once("exit", () => r()));
    w.postMessage({ op: "close" } satisfies ToWorker);
    const timer = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(timer);
    this.failAll(new Error("sync uplink closed"));
  }

  private post(m: ToWorker): void {
    if (this.closed) throw new Error("sync uplink closed");
    this.start().postMessage(m);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { entry, evalCode } = workerEntry(import.meta.url, "uplink-worker");
    const w = new Worker(entry, { eval: evalCode, workerData: { dbPath: this.opts.dbPath, connection: this.opts.connection, bankKey: this.opts.bankKey } });
    w.on("message", (m: ToMain) => {
      const start = spanStart();
      this.handlers.get(m.id)?.(m);
      span("worker.message", start);
    });
    w.on("error", (e) => {
      if (this.worker === w) this.worker = null;
      this.failAll(e);
    });
    w.on("exit", (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.failAll(new Error(`sync worker exited (${code})`));
    });
    // The worker alone must not keep the process alive.
    w.unref();
    this.worker = w;
    return w;
  }

  /** Fail every operation in progress (the worker went away). */
  private failAll(e: Error): void {
    const error: WorkerError = { message: e.message, code: (e as { code?: string }).code, stack: e.stack };
    for (const [id, h] of [...this.handlers]) h({ id, kind: "error", error });
  }
}

function rebuild(w: WorkerError): Error {
  const e = new Error(w.message) as Error & { code?: string };
  if (w.code !== undefined) e.code = w.code;
  if (w.stack) e.stack = w.stack;
  return e;
}

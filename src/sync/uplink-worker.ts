/**
 * The sync worker thread: a LinkUplink with its own read-only SQLite connection and its own
 * PostgreSQL connection. It reads batches, builds their JSON and speaks the PostgreSQL
 * protocol, away from the daemon's event loop; it writes nothing (the main thread marks what
 * was committed, through the store). Messages: see worker-uplink.ts.
 *
 * It must not import onoff (which crashes in a worker thread) or anything else of the daemon's
 * hardware side: only the store's reading half and the central link.
 */
import { parentPort, workerData } from "node:worker_threads";
import type pg from "pg";
import { openDatabase } from "../store/database.js";
import { OutboxReader } from "../store/sync-outbox.js";
import { WalFlusher } from "../store/wal-flush.js";
import { lowerThisThread } from "../system/thread-priority.js";
import { PgCentralLink } from "./central-link.js";
import { LinkUplink, type PushedBatch } from "./uplink.js";
import type { ToMain, ToWorker, WorkerError } from "./worker-uplink.js";

interface Setup {
  dbPath: string;
  connection: pg.ClientConfig;
  bankKey?: string | undefined;
}

const port = parentPort;
if (!port) throw new Error("uplink-worker.ts runs only as a worker thread");
const setup = workerData as Setup;
lowerThisThread();
const db = openDatabase(setup.dbPath, { readonly: true });
const link = new PgCentralLink({ connection: setup.connection, ...(setup.bankKey === undefined ? {} : { bankKey: setup.bankKey }) });
// Its own thread: a whole batch is read in one step.
// The main thread commits without waiting for the disk (store/wal-flush.ts): flush the WAL
// before a batch read from it leaves.
const wal = new WalFlusher(setup.dbPath, { gapMs: 0 });
const uplink = new LinkUplink(link, new OutboxReader(db), { readSlice: 100_000, beforeSend: () => wal.barrier() });

const cancelled = new Set<number>();
/** Per push: resolves when the main thread has seen a committed batch ("go on"). */
const proceed = new Map<number, () => void>();
const send = (m: ToMain) => port.postMessage(m);

function errorOf(e: unknown): WorkerError {
  const err = e as { message?: unknown; code?: unknown; stack?: unknown };
  return {
    message: typeof err?.message === "string" ? err.message : String(e),
    code: typeof err?.code === "string" ? err.code : undefined,
    stack: typeof err?.stack === "string" ? err.stack : undefined,
  };
}

async function push(id: number, bankId: string, afterSeq: number, batchSize: number): Promise<void> {
  try {
    const batches = uplink.push(bankId, afterSeq, batchSize, {
      stopped: () => cancelled.has(id),
      committed: (b: PushedBatch) =>
        new Promise<void>((resolve) => {
          proceed.set(id, resolve);
          send({ id, kind: "committed", batch: b });
        }),
    });
    for await (const b of batches) send({ id, kind: "batch", batch: b });
    send({ id, kind: "done" });
  } catch (e) {
    send({ id, kind: "error", error: errorOf(e) });
  } finally {
    cancelled.delete(id);
    proceed.delete(id);
  }
}

port.on("message", (m: ToWorker) => {
  switch (m.op) {
    case "push":
      void push(m.id, m.bankId, m.afterSeq, m.batchSize);
      break;
    case "proceed":
      proceed.get(m.id)?.();
      proceed.delete(m.id);
      break;
    case "cancel": {
      cancelled.add(m.id);
      // a push waiting for "proceed" ends without sending more
      const go = proceed.get(m.id);
      proceed.delete(m.id);
      go?.();
      break;
    }
    case "pull":
      link.pullCommands(m.bankId, m.limit).then(
        (commands) => send({ id: m.id, kind: "commands", commands }),
        (e: unknown) => send({ id: m.id, kind: "error", error: errorOf(e) }),
      );
      break;
    case "report":
      link.reportStatus(m.bankId, m.status).then(
        () => send({ id: m.id, kind: "reported" }),
        (e: unknown) => send({ id: m.id, kind: "error", error: errorOf(e) }),
      );
      break;
    case "revocations":
      link.pullPassRevocations(m.bankId, m.afterId, m.limit).then(
        (revocations) => send({ id: m.id, kind: "revocations", revocations }),
        (e: unknown) => send({ id: m.id, kind: "error", error: errorOf(e) }),
      );
      break;
    case "hints":
      link.pullAdviceHints(m.bankId, m.afterId, m.limit).then(
        (hints) => send({ id: m.id, kind: "hints", hints }),
        (e: unknown) => send({ id: m.id, kind: "error", error: errorOf(e) }),
      );
      break;
    // the card held for a customer's pickup (Store.holdFlushes): this thread's flush waits too
    case "hold":
      wal.holdFor(m.ms);
      break;
    case "release":
      wal.release();
      break;
    case "close":
      void link.close().finally(() => {
        wal.close();
        db.close();
        port.close();
      });
      break;
  }
});

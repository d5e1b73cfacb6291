/**
 * The checkpoint thread (see checkpointer.ts): its own connection to the bank's file copies the
 * WAL into the database, with the two flushes that takes, away from the event loop.
 * Messages: { op: "checkpoint" | "scrub" | "close", id }; answers { id, ok, walEmpty?, error? }.
 */
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import { lowerThisThread } from "../system/thread-priority.js";

const port = parentPort;
if (!port) throw new Error("checkpoint-worker.ts runs only as a worker thread");
const { dbPath } = workerData as { dbPath: string };
lowerThisThread();
const db = new Database(dbPath, { fileMustExist: true });
// Flush the WAL before copying it and the database after (what the main connection skips).
db.pragma("synchronous = NORMAL");
db.pragma("journal_size_limit = 16777216");
db.pragma("busy_timeout = 0");

type Row = { busy: number; log: number; checkpointed: number };

port.on("message", (m: { op: "checkpoint" | "scrub" | "close"; id: number }) => {
  if (m.op === "close") {
    db.close();
    port.close();
    return;
  }
  try {
    // PASSIVE takes no lock a writer waits for; it copies what it can.
    const [p] = db.pragma("wal_checkpoint(PASSIVE)") as Row[];
    let walEmpty = false;
    if (m.op === "scrub" && p && p.busy === 0 && p.log === p.checkpointed) {
      // Everything is copied: TRUNCATE now only waits for readers (none, or it gives up at
      // once) and cuts the file, holding the writer lock for that moment only.
      const [t] = db.pragma("wal_checkpoint(TRUNCATE)") as Row[];
      walEmpty = t !== undefined && t.busy === 0 && t.log <= 0;
    }
    port.postMessage({ id: m.id, ok: true, walEmpty });
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});

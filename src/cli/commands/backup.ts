/**
 * lockerctl backup <file>: a consistent online copy of the database with SQLite's backup API
 * (better-sqlite3 db.backup), safe while the daemon runs (WAL readers do not block it). The copy
 * is written beside the target, checked (quick_check), switched to a self-contained rollback
 * journal, and only then renamed into place.
 */
import Database from "better-sqlite3";
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "../command.js";
import { CliError, usageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { bytes } from "../output.js";
import { bar, Progress } from "../progress.js";
import { openDatabase } from "../../store/database.js";
import { privateFile } from "../../system/private-files.js";

export const backupCommand: Command = {
  name: "backup",
  help: `usage: lockerctl backup <file> [--force] [--db FILE] [--json]

Copies the bank's SQLite database to <file> with SQLite's online backup, page by page with
progress on stderr, while the daemon keeps running. The copy is checked (quick_check) and is a
single self-contained file. Note: the copy holds the event outbox, which may contain pickup
codes not yet sent upward: keep it as safe as the bank itself.

Options:
  -f, --force   overwrite <file> if it exists
  --db FILE     the database to copy (default: the running daemon's, as it reports it; when it
                is down, from the configuration and LOCKERD_DB)

Exit: 0 copied and checked; 1 the target exists (no --force) or the copy failed its check;
4 no database; 74 an I/O error (disk full, permissions).`,
  options: { force: { type: "boolean", short: "f" } },
  async run(ctx, args, values) {
    const target = args[0];
    if (!target) throw usageError("backup needs a target file, e.g. lockerctl backup /var/backups/lockerd-$(date +%F).db");
    const dest = resolve(target);
    await ctx.askDaemonForDatabase();
    const src = ctx.databasePath();
    if (resolve(src) === dest) throw usageError("the backup target is the database itself");
    if (!existsSync(src)) throw new CliError(`no database at ${src}`, EXIT.NOT_FOUND, "NO_DATABASE");
    if (existsSync(dest) && values.force !== true) throw new CliError(`${dest} exists; pass --force to overwrite it`, EXIT.FAILED, "EXISTS");
    const tmp = join(dirname(dest), `.${basename(dest)}.partial-${process.pid}`);
    const progress = new Progress(ctx.io.stderr, ctx.io.stderr.isTTY === true, "backup");
    const started = Date.now();
    let source: Database.Database | null = null;
    try {
      source = openDatabase(src, { readonly: true });
      // The copy holds what the bank holds: 0600 from its first byte (its journal follows its mode).
      rmSync(tmp, { force: true });
      privateFile(tmp, { exclusive: true });
      let lastShown = -1;
      let pages = 0;
      progress.update(`copying ${src} to ${dest}`);
      await source.backup(tmp, {
        progress({ totalPages, remainingPages }) {
          const done = totalPages - remainingPages;
          pages = totalPages;
          const pct = totalPages ? Math.floor((done / totalPages) * 100) : 100;
          if (pct >= lastShown + 10 || remainingPages === 0) {
            progress.update(`${bar(totalPages ? done / totalPages : 1)} ${done}/${totalPages} pages`);
            lastShown = pct;
          }
          // Big steps: a write by the daemon restarts a backup mid-way, so finish quickly.
          return 2000;
        },
      });
      // better-sqlite3 does not call progress for the final step.
      progress.done(`${bar(1)} ${pages ? `${pages}/${pages} pages` : "copied"}, checking the copy`);
      const check = finish(tmp);
      if (check.problems.length) {
        rmSync(tmp, { force: true });
        throw new CliError(`the copy failed its integrity check: ${check.problems.slice(0, 3).join("; ")}`, EXIT.FAILED, "CHECK_FAILED");
      }
      renameSync(tmp, dest);
      const size = statSync(dest).size;
      const result = { file: dest, source: src, bytes: size, schemaVersion: check.version, events: check.events, parcels: check.parcels, ms: Date.now() - started };
      if (ctx.out.json) ctx.out.printJson(result);
      else ctx.out.line(`backup written to ${dest}: ${bytes(size)}, schema ${check.version}, ${check.events} events, ${check.parcels} parcels, checked ok (${result.ms} ms)`);
      return EXIT.OK;
    } catch (e) {
      progress.done();
      rmSync(tmp, { force: true });
      rmSync(`${tmp}-journal`, { force: true });
      if (e instanceof CliError) throw e;
      throw new CliError(`backup failed: ${(e as Error).message}`, EXIT.IO, (e as { code?: string }).code ?? "IO");
    } finally {
      source?.close();
    }
  },
};

/** Make the copy self-contained (no -wal beside it) and check it. */
function finish(path: string): { problems: string[]; version: number; events: number; parcels: number } {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = DELETE");
    const rows = db.pragma("quick_check") as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
    const version = db.pragma("user_version", { simple: true }) as number;
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { problems, version, events: count("events"), parcels: count("parcels") };
  } finally {
    db.close();
  }
}

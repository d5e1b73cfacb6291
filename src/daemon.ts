/**
 * The daemon, composed: configuration → store → hardware → door supervisor → bank → API.
 * Parts start in this order and stop in reverse, outputs off first. This is the only place
 * that knows which driver a bank uses.
 */
import type { Express } from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./api/app.js";
import { createAuth, hashToken, type TokenEntry } from "./api/auth.js";
import { CodeBook } from "./bank/codes.js";
import type { BankContext } from "./bank/context.js";
import { bankDoorOutcomes } from "./bank/door-events.js";
import { expireDue } from "./bank/expiry.js";
import { cryptoRandom, type Clock, type RandomSource } from "./bank/ports.js";
import { reconcileIntents } from "./bank/reconcile.js";
import { SizeScale } from "./bank/sizes.js";

import { loadLayout, type BankLayout } from "./config/layout.js";
import { ConfigError } from "./config/errors.js";
import type { ResolvedConfig } from "./config/load.js";
import { DoorSupervisor } from "./doors/supervisor.js";
import { createLockBank } from "./drivers/create.js";
import type { LockBank } from "./drivers/lock-bank.js";
import { openDatabase, quickCheck } from "./store/database.js";
import { Store } from "./store/store.js";
import { createSystemClock } from "./system/clock.js";
import type { Logger } from "./system/logger.js";
import { loadOrCreateSecret } from "./system/secret.js";
import { createSyncLoop } from "./sync/create.js";
import type { SyncControl } from "./sync/state.js";

export interface DaemonOptions {
  clock?: Clock;
  random?: RandomSource;
  /** A lock bank built by the caller (tests); otherwise the configured driver. */
  lockBank?: LockBank;
  /** Listen on HTTP (default true). */
  http?: boolean;
}

export interface Daemon {
  readonly cfg: ResolvedConfig;
  readonly layout: BankLayout;
  readonly ctx: BankContext;
  readonly store: Store;
  readonly lockBank: LockBank;
  readonly supervisor: DoorSupervisor;
  /** The upward sync loop when sync is configured. */
  readonly sync: SyncControl | null;
  /** http://host:port once listening, else null. */
  readonly url: string | null;
  stop(): Promise<void>;
}

export async function startDaemon(cfg: ResolvedConfig, log: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  const clock = opts.clock ?? createSystemClock();
  const random = opts.random ?? cryptoRandom;
  const layout = loadLayout(cfg.paths.layout, cfg.bank.sizes);
  const sizes = new SizeScale(cfg.bank.sizes);

  const db = openDatabase(cfg.paths.database);
  const check = quickCheck(db);
  if (check.length !== 1 || check[0] !== "ok") {
    db.close();
    throw new Error(`database ${cfg.paths.database} failed its integrity check: ${check.slice(0, 5).join("; ")}`);
  }
  const store = new Store(db, () => clock.isSynchronised());
  const stopStack: { name: string; fn: () => Promise<void> | void }[] = [{ name: "database", fn: () => store.close() }];
  const stopAll = async () => {
    while (stopStack.length) {
      const part = stopStack.pop()!;
      try {
        await part.fn();
      } catch (e) {
        log.error({ err: e, part: part.name }, "error while stopping");
      }
    }
  };

  try {
    const problems = store.write(() => store.lockers.applyLayout(layout.lockers.map((l, i) => ({ id: l.id, size: l.size, sizeRank: sizes.rankOf(l.size), position: i })), clock.now()));
    if (problems.length) throw new ConfigError(cfg.paths.layout, problems);

    const codes = new CodeBook(loadOrCreateSecret(cfg.paths.secret), cfg.codes.digits);
    const lockBank = opts.lockBank ?? createLockBank(cfg, layout);
    const doorLog = log.child({ component: "doors" });
    const supervisor = new DoorSupervisor(
      lockBank,
      clock,
      { pulseMs: cfg.doors.pulseMs, openTimeoutMs: cfg.doors.openTimeoutMs, leftOpenMs: cfg.doors.leftOpenMs, leftOpenRepeatMs: cfg.doors.leftOpenRepeatMs },
      (err, where) => doorLog.error({ err, where }, "door outcome could not be recorded"),
    );
    const ctx: BankContext = {
      store,
      clock,
      random,
      codes,
      sizes,
      doors: supervisor,
      policy: { pickupWindowMs: cfg.parcels.pickupWindowHours * 3_600_000, maxFailedOpens: cfg.doors.maxFailedOpens },
    };

    await supervisor.start(bankDoorOutcomes(ctx));
    stopStack.push({ name: "doors", fn: () => supervisor.stop() });
    doorLog.info({ driver: lockBank.kind, lockers: layout.lockers.length }, "lock bank started, all outputs off");

    for (const r of reconcileIntents(ctx, (id) => supervisor.position(id), (id, intent) => supervisor.adoptOpen(id, intent))) {
      doorLog.warn(r, "reconciled a door operation interrupted by a restart");
    }

    const sweep = () => {
      try {
        const expired = expireDue(ctx);
        if (expired.length) log.info({ count: expired.length }, "parcels expired");
      } catch (e) {
        log.error({ err: e }, "expiry sweep failed");
      }
    };
    sweep();
    const sweepTimer = setInterval(sweep, cfg.parcels.expirySweepMs);
    sweepTimer.unref();
    stopStack.push({ name: "expiry", fn: () => clearInterval(sweepTimer) });

    // Built before the API (GET /sync reads it), started after it, stopped before the store closes.
    const sync = createSyncLoop(cfg, ctx, log);

    let ready = false;
    let url: string | null = null;
    if (opts.http !== false) {
      const tokens: TokenEntry[] = [...cfg.api.tokens];
      if (cfg.envToken) tokens.push({ name: "LOCKERD_API_TOKEN", role: "technician", sha256: hashToken(cfg.envToken) });
      const openForSimulator = tokens.length === 0 && lockBank.kind === "sim";
      if (openForSimulator) log.warn("no API tokens configured: the simulated bank's API is open to every local caller");
      const app = createApp({
        ctx,
        auth: createAuth({ tokens, openForSimulator }),
        log,
        doorOf: (id) => supervisor.doorOf(id),
        isReady: () => ready,
        bodyLimitBytes: cfg.http.bodyLimitBytes,
        ...(sync ? { sync } : {}),
      });
      const server = await listen(app, cfg.http.host, cfg.http.port);
      stopStack.push({ name: "http", fn: () => closeServer(server) });
      const addr = server.address() as AddressInfo;
      const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      url = `http://${host}:${addr.port}`;
      log.info({ url }, "API listening");
    }
    if (sync) {
      sync.start();
      stopStack.push({ name: "sync", fn: () => sync.stop() });
      log.info({ bank: cfg.bank.id }, "sync to the central database started");
    }
    ready = true;
    log.info({ bank: cfg.bank.id, layout: layout.name, database: cfg.paths.database }, "lockerd ready");

    let stopping: Promise<void> | null = null;
    return {
      cfg,
      layout,
      ctx,
      store,
      lockBank,
      supervisor,
      sync,
      url,
      stop() {
        ready = false;
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

function listen(app: Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once("listening", () => resolve(server));
    server.once("error", reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

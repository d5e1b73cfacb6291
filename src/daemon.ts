/**
 * The daemon, composed: configuration → store → hardware → door supervisor → bank → API.
 * Parts start in this order and stop in reverse, outputs off first. This is the only place
 * that knows which driver a bank uses.
 */
import { createApi } from "./api/app.js";
import { createAuth, hashToken, type TokenEntry } from "./api/auth.js";
import { listenApi } from "./api/listen.js";
import { CodeBook } from "./bank/codes.js";
import type { BankContext } from "./bank/context.js";
import { bankDoorOutcomes } from "./bank/door-events.js";
import { expireDue } from "./bank/expiry.js";
import { cryptoRandom, type Clock, type RandomSource } from "./bank/ports.js";
import { reconcileIntents } from "./bank/reconcile.js";
import { SizeScale } from "./bank/sizes.js";
import { attemptRules, limiterOf, type AttemptLimiter } from "./bank/attempts.js";
import { kioskDevices, type KioskDeviceOverrides } from "./kiosk/devices.js";
import { attackSources, checkGuessingBound } from "./kiosk/guessing-check.js";
import { signInEntries } from "./bank/couriers.js";
import type { Kiosk } from "./kiosk/kiosk.js";
import { startKiosk, type RunningKiosk } from "./kiosk/start.js";

import { loadLayout, type BankLayout } from "./config/layout.js";
import { ConfigError } from "./config/errors.js";
import type { ResolvedConfig } from "./config/load.js";
import { DoorSupervisor } from "./doors/supervisor.js";
import { createLockBank } from "./drivers/create.js";
import type { LockBank } from "./drivers/lock-bank.js";
import { SimLockBank } from "./drivers/sim/sim-lock-bank.js";
import { openDatabase, quickCheck } from "./store/database.js";
import { Store } from "./store/store.js";
import { createSystemClock } from "./system/clock.js";
import type { Logger } from "./system/logger.js";
import { loadOrCreateSecret } from "./system/secret.js";
import { StorageGuard } from "./system/storage-guard.js";
import { SimKeypad, SimScanner } from "./input/sim-devices.js";
import { SimIndicator } from "./output/sim-indicator.js";
import { recordDoorEvent } from "./bank/door-outcomes.js";
import { dirname } from "node:path";

import { createSyncLoop } from "./sync/create.js";
import type { SyncControl } from "./sync/state.js";

export interface DaemonOptions {
  clock?: Clock;
  random?: RandomSource;
  /** A lock bank built by the caller (tests); otherwise the configured driver. */
  lockBank?: LockBank;
  /** Listen on HTTP (default true). */
  http?: boolean;
  /** Keypad, scanner, indicator built by the caller (tests); otherwise from the configuration. */
  input?: KioskDeviceOverrides;
}

export interface Daemon {
  readonly cfg: ResolvedConfig;
  readonly layout: BankLayout;
  readonly ctx: BankContext;
  readonly store: Store;
  readonly lockBank: LockBank;
  readonly supervisor: DoorSupervisor;
  readonly attempts: AttemptLimiter;
  readonly kiosk: Kiosk;
  readonly kioskDevices: RunningKiosk["devices"];
  /** The upward sync loop when sync is configured. */
  readonly sync: SyncControl | null;
  /** http(s)://host:port once listening, else null. */

  readonly url: string | null;
  /** The API's unix socket once listening, else null. */
  readonly socketPath: string | null;
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
  if (!clock.isSynchronised()) log.warn("the clock is not synchronised yet (no NTP); events are marked until it is");
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

    const storageGuard = new StorageGuard(dirname(cfg.paths.database), cfg.storage.ballastBytes, log.child({ component: "storage" }), {
      full: () => recordDoorEvent(ctx, "alarm.storage_full", null, { freeBytes: storageGuard.freeBytes() }),
      recovered: (freeBytes) => recordDoorEvent(ctx, "alarm.storage_recovered", null, { freeBytes }),
    });
    storageGuard.ensureBallast();
    store.onFull = () => storageGuard.onFull();
    const storageTimer = setInterval(() => {
      try {
        storageGuard.check();
      } catch (e) {
        log.error({ err: e }, "storage check failed");
      }
    }, cfg.storage.checkIntervalMs);
    storageTimer.unref();
    stopStack.push({ name: "storage", fn: () => clearInterval(storageTimer) });

    const codes = new CodeBook(loadOrCreateSecret(cfg.paths.secret), cfg.codes.digits);
    const lockBank = opts.lockBank ?? createLockBank(cfg, layout, log.child({ component: "lock-bank" }));
    const openApi = cfg.api.tokens.length === 0 && !cfg.envToken && lockBank.kind === "sim";
    const pinCouriers = signInEntries(cfg.couriers, store.couriers.all()).filter((c) => c.pinHash).length; // couriers slice: central's PINs count too
    checkGuessingBound(cfg, layout.lockers.length, attackSources(cfg, openApi), log.child({ component: "limiter" }), pinCouriers);
    const doorLog = log.child({ component: "doors" });
    const supervisor = new DoorSupervisor(
      lockBank,
      clock,
      {
        pulseMs: cfg.doors.pulseMs,
        openTimeoutMs: cfg.doors.openTimeoutMs,
        leftOpenMs: cfg.doors.leftOpenMs,
        leftOpenRepeatMs: cfg.doors.leftOpenRepeatMs,
        sensorSettleMs: cfg.doors.sensorSettleMs,
        flapWindowMs: cfg.doors.flapWindowMs,
        flapMaxChanges: cfg.doors.flapMaxChanges,
      },
      (err, where) => doorLog.error({ err, where }, "door outcome could not be recorded"),
    );
    const ctx: BankContext = {
      store,
      clock,
      random,
      codes,
      sizes,
      doors: supervisor,
      policy: { pickupWindowMs: cfg.parcels.pickupWindowHours * 3_600_000, maxFailedOpens: cfg.doors.maxFailedOpens, attempts: attemptRules(cfg.limiter) },
      storage: storageGuard,
      couriers: cfg.couriers,
    };

    // gpio-doors slice: every door fault and hardware change is in the outbox; log it too.
    const unlogFaults = store.events.subscribe((e) => {
      if (/^(alarm|hardware)\.|^locker\.(flagged|item_left_behind)$|^door\.(open_timeout|unlock_failed)$/.test(e.type)) {
        const recovered = e.type === "hardware.online" || e.type === "alarm.sensor_settled" || e.type === "alarm.door_closed";
        doorLog[recovered ? "info" : "warn"]({ event: e.type, lockerId: e.lockerId, data: e.data }, recovered ? "door fault cleared" : "door fault");
      }
    });
    stopStack.push({ name: "fault log", fn: () => void unlogFaults() });
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

    const attempts = limiterOf(ctx);
    // A simulated bank gets a simulated keypad and scanner (the bank page types and scans on
    // them) unless real ones are configured.
    const simInput: KioskDeviceOverrides =
      !opts.input && lockBank instanceof SimLockBank
        ? {
            ...(cfg.input.keypad.type === "none" ? { keypad: new SimKeypad() } : {}),
            ...(cfg.input.scanner.type === "none" ? { scanner: new SimScanner({ maxLength: cfg.input.scanner.maxLength, allowedSymbologies: cfg.input.scanner.allowedSymbologies }) } : {}),
          }
        : {};
    const kiosk = await startKiosk(cfg, { ctx, ...(await kioskDevices(cfg, log, opts.input ?? simInput)) }, log);
    stopStack.push({ name: "kiosk", fn: () => kiosk.stop() });

    // Built before the API (GET /sync reads it), started after it, stopped before the store closes.
    const sync = createSyncLoop(cfg, ctx, log);

    let ready = false;
    let url: string | null = null;
    let socketPath: string | null = null;
    if (opts.http !== false) {
      const tokens: TokenEntry[] = [...cfg.api.tokens];
      if (cfg.envToken) tokens.push({ name: "LOCKERD_API_TOKEN", role: "technician", sha256: hashToken(cfg.envToken) });
      // Open only for a simulated bank on loopback; real hardware without tokens is closed.
      const loopback = /^(127\.|::1$|localhost$)/.test(cfg.http.host);
      const openForSimulator = tokens.length === 0 && lockBank.kind === "sim" && loopback;
      if (openForSimulator) log.warn("no API tokens configured: the simulated bank's API is open to every local caller");
      else if (tokens.length === 0) log.warn("no API tokens configured: the API answers only /healthz (and the unix socket)");
      const api = createApi({
        ctx,
        auth: createAuth({ tokens, openForSimulator }),
        log,
        doorOf: (id) => supervisor.doorOf(id),
        isReady: () => ready,
        bodyLimitBytes: cfg.http.bodyLimitBytes,
        bankId: cfg.bank.id,
        layout,
        driverKind: lockBank.kind,
        hardwareOffline: () => lockBank.offline(),
        sim: lockBank instanceof SimLockBank ? lockBank : undefined,

        onDoorPosition: (l) => supervisor.onPosition(l),
        simInput: {
          keypad: kiosk.devices.keypad instanceof SimKeypad ? kiosk.devices.keypad : null,
          scanner: kiosk.devices.scanner instanceof SimScanner ? kiosk.devices.scanner : null,
          indicator: kiosk.devices.indicator instanceof SimIndicator ? kiosk.devices.indicator : null,
        },

        ...(sync ? { sync } : {}),
      });
      stopStack.push({ name: "metrics", fn: () => api.close() });
      const socket = cfg.paths.socket ? { path: cfg.paths.socket, mode: parseInt(cfg.http.socketMode, 8), group: cfg.http.socketGroup } : null;
      const listening = await listenApi(api.app, { host: cfg.http.host, port: cfg.http.port, tls: cfg.paths.tls, socket }, log);
      stopStack.push({ name: "http", fn: () => listening.close() });
      url = listening.url;
      socketPath = listening.socketPath;
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
      attempts,
      kiosk: kiosk.kiosk,
      kioskDevices: kiosk.devices,

      sync,
      url,
      socketPath,
      stop() {
        ready = false;
        // Outputs off before anything else closes: this also cuts a pulse that is under way.
        stopping ??= lockBank.allOff().then(
          () => stopAll(),
          (err: unknown) => {
            log.error({ err }, "switching outputs off at stop failed");
            return stopAll();
          },
        );
        return stopping;
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

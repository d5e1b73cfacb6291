/**
 * The daemon, composed: the bank's core (store, codes, door supervisor, context; see
 * compose/bank.ts) → storage → doors → expiry → kiosk → API → sync. The numbered steps of
 * startDaemon start the parts in this order; each pushes its stop, and they stop once, in
 * reverse, outputs off first. This is the only place that knows which driver a bank uses.
 */
import { passCaller } from "./api/pass-auth.js";
import { passRulesFrom } from "./bank/passes.js";
import { createApi } from "./api/app.js";
import { eventLevel } from "./basics/events.js";
import { createAuth, hashToken, type TokenEntry } from "./api/auth.js";
import { listenApi } from "./api/listen.js";
import type { BankContext } from "./bank/context.js";
import { cryptoRandom, type Clock, type RandomSource } from "./basics/ports.js";
import { attemptRules, limiterOf, type AttemptLimiter } from "./bank/attempts.js";
import { kioskDevices, type KioskDeviceOverrides } from "./kiosk/devices.js";
import { attackSources, checkGuessingBound } from "./kiosk/guessing-check.js";
import { signInEntries } from "./bank/couriers.js";
import type { Kiosk } from "./kiosk/kiosk.js";
import { startKiosk, type RunningKiosk } from "./kiosk/start.js";

import { createBankCore, type BankCore, type BankCoreOptions } from "./compose/bank.js";
import { startExpirySweeps } from "./compose/expiry-sweeps.js";
import { loadLayout, type BankLayout } from "./config/layout.js";
import { apiOpenForSimulator } from "./config/open-api.js";
import type { ResolvedConfig } from "./config/load.js";
import { createLockBank } from "./drivers/create.js";
import type { DoorSupervisor } from "./doors/supervisor.js";
import type { LockBank } from "./drivers/lock-bank.js";
import { SimLockBank } from "./drivers/sim/sim-lock-bank.js";
import type { Store } from "./store/store.js";
import { createSystemClock } from "./system/clock.js";
import type { Logger } from "./system/logger.js";
import { loadOrCreateSecret } from "./system/secret.js";
import { every } from "./system/every.js";
import { StorageGuard } from "./system/storage-guard.js";
import { SimKeypad, SimScanner } from "./input/sim-devices.js";
import { SimIndicator } from "./output/sim-indicator.js";
import { recordDoorEvent } from "./bank/door-outcomes.js";
import { dirname } from "node:path";

import { commandTrust, createSyncLoop } from "./sync/create.js";
import { createSealer } from "./system/sealed-codes.js";
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
  /**
   * The disk did not confirm a deferred flush (store/wal-flush.ts). Default: rethrown outside any
   * promise, so the process's uncaughtException handler (main.ts: outputs off, exit 1) ends it.
   */
  onStorageFailure?: (e: Error) => void;
  /** How the deferred flush syncs files (tests hold it back); real fdatasync by default. */
  flush?: BankCoreOptions["flush"];
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

/** One part of the running daemon: parts start in the order below and stop once, in reverse. */
interface StopStep {
  name: string;
  fn: () => Promise<void> | void;
}

export async function startDaemon(cfg: ResolvedConfig, log: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  const clock = opts.clock ?? createSystemClock();
  const layout = loadLayout(cfg.paths.layout, cfg.bank.sizes);
  const doorLog = log.child({ component: "doors" });
  const stopStack: StopStep[] = [];
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

  // 1. the lock bank (built, not started), the storage guard, and the bank's core on the database
  const lockBank = opts.lockBank ?? createLockBank(cfg, layout, log.child({ component: "lock-bank" }));
  const storageGuard = new StorageGuard(dirname(cfg.paths.database), cfg.storage.ballastBytes, log.child({ component: "storage" }), {
    full: () => recordDoorEvent(core.ctx, "alarm.storage_full", null, { freeBytes: storageGuard.freeBytes() }),
    recovered: (freeBytes) => recordDoorEvent(core.ctx, "alarm.storage_recovered", null, { freeBytes }),
  });
  const core: BankCore = createBankCore({
    database: cfg.paths.database,
    integrityCheck: true,
    layout,
    layoutSource: cfg.paths.layout,
    sizes: cfg.bank.sizes,
    clock,
    random: opts.random ?? cryptoRandom,
    codes: { secret: loadOrCreateSecret(cfg.paths.secret), digits: cfg.codes.digits },
    policy: {
      pickupWindowMs: cfg.parcels.pickupWindowHours * 3_600_000, maxFailedOpens: cfg.doors.maxFailedOpens,
      attempts: attemptRules(cfg.limiter),
      health: cfg.doors.health,
    },
    doors: {
      lockBank,
      settings: {
        pulseMs: cfg.doors.pulseMs,
        openTimeoutMs: cfg.doors.openTimeoutMs,
        leftOpenMs: cfg.doors.leftOpenMs,
        leftOpenRepeatMs: cfg.doors.leftOpenRepeatMs,
        sensorSettleMs: cfg.doors.sensorSettleMs,
        flapWindowMs: cfg.doors.flapWindowMs,
        flapMaxChanges: cfg.doors.flapMaxChanges,
        cutSuspectMs: cfg.doors.cutSuspectMs,
        forcedBurstMin: cfg.doors.forcedBurstMin,
        forcedBurstMs: cfg.doors.forcedBurstMs,
      },
      onOutcomeError: (err, where) => doorLog.error({ err, where }, "door outcome could not be recorded"),
    },
    storage: storageGuard,
    couriers: cfg.couriers,
    passes: passRulesFrom(cfg),
    ...codeSealing(cfg, log),
    ...(opts.flush ? { flush: opts.flush } : {}),
  });
  const { store, ctx } = core;
  const supervisor = core.supervisor!;
  stopStack.push({ name: "database", fn: () => store.close() });
  if (!clock.isSynchronised()) log.warn("the clock is not synchronised yet (no NTP); events are marked until it is");

  try {
    // 2. storage: ballast, full-disk handling, the periodic check
    storageGuard.ensureBallast();
    store.onFull = () => storageGuard.onFull();
    store.onCheckpointError = (err) => log.warn({ err }, "a checkpoint of the database failed; the next one tries again");
    store.onFlushFailure =
      opts.onStorageFailure ??
      ((err) => {
        log.fatal({ err }, "the disk did not confirm a write; stopping");
        process.nextTick(() => {
          throw err;
        });
      });
    stopStack.push({ name: "storage", fn: every(cfg.storage.checkIntervalMs, () => storageGuard.check(), log, "storage check failed") });

    // 3. the guessing bound: refuse to start when codes are too easy to guess with this configuration
    const pinCouriers = signInEntries(cfg.couriers, store.couriers.all()).filter((c) => c.pinHash).length; // central's PINs count too
    const openApi = apiOpenForSimulator(cfg, lockBank.kind);
    checkGuessingBound(cfg, layout.lockers.length, attackSources(cfg, openApi), log.child({ component: "limiter" }), pinCouriers);

    // 4. the fault log (every fault and alarm is in the outbox; the catalogue's level says which to log too)
    const unlogFaults = store.events.subscribe((e) => {
      const level = eventLevel(e.type);
      if (level === "info") return;
      const cleared = level === "cleared";
      doorLog[cleared ? "info" : "warn"]({ event: e.type, lockerId: e.lockerId, data: e.data }, cleared ? "door fault cleared" : "door fault");
    });
    stopStack.push({ name: "fault log", fn: () => void unlogFaults() });

    // 5. the doors: all outputs off, sensors read, interrupted operations reconciled
    const reconciled = await core.start();
    stopStack.push({ name: "doors", fn: () => supervisor.stop() });
    doorLog.info({ driver: lockBank.kind, lockers: layout.lockers.length }, "lock bank started, all outputs off");
    for (const r of reconciled) doorLog.warn(r, "reconciled a door operation interrupted by a restart");

    // 6. expiry: parcels past their deadline (and lockouts run out), now and periodically; later sweeps give way to the kiosk
    const sweeps = startExpirySweeps(ctx, cfg.parcels.expirySweepMs, log);
    stopStack.push({ name: "expiry", fn: () => sweeps.stop() });

    // 7. the kiosk: keypad, scanner, indicator and the sessions at them
    const attempts = limiterOf(ctx);
    const simulated = lockBank instanceof SimLockBank ? lockBank : null;
    const kiosk = await startKiosk(cfg, { ctx, ...(await kioskDevices(cfg, log, opts.input ?? simulatedInput(cfg, simulated))) }, log);
    sweeps.giveWayTo(kiosk.kiosk);
    stopStack.push({ name: "kiosk", fn: () => kiosk.stop() });

    // 8. sync: built before the API (GET /sync reads it), started after it
    const sync = createSyncLoop(cfg, ctx, log, kiosk.kiosk);

    // 9. the API
    let ready = false;
    let url: string | null = null;
    let socketPath: string | null = null;
    if (opts.http !== false) {
      const tokens: TokenEntry[] = [...cfg.api.tokens];
      if (cfg.envToken) tokens.push({ name: "LOCKERD_API_TOKEN", role: "technician", sha256: hashToken(cfg.envToken) });
      if (openApi) log.warn("no API tokens configured: the simulated bank's API is open to every local caller");
      else if (tokens.length === 0) log.warn("no API tokens configured: the API answers only /healthz (and the unix socket)");
      const api = createApi({
        ctx,
        auth: createAuth({ tokens, openForSimulator: openApi, pass: passCaller(ctx) }),
        log,
        doorOf: (id) => supervisor.doorOf(id),
        isReady: () => ready,
        bodyLimitBytes: cfg.http.bodyLimitBytes,
        bankId: cfg.bank.id,
        layout,
        driverKind: lockBank.kind,
        hardwareOffline: () => lockBank.offline(),
        sim: simulated ?? undefined,
        onDoorPosition: (l) => supervisor.onPosition(l),
        simInput: {
          keypad: kiosk.devices.keypad instanceof SimKeypad ? kiosk.devices.keypad : null,
          scanner: kiosk.devices.scanner instanceof SimScanner ? kiosk.devices.scanner : null,
          indicator: kiosk.devices.indicator instanceof SimIndicator ? kiosk.devices.indicator : null,
        },
        ...(sync ? { sync } : {}),
        commandTrust: commandTrust(cfg),
        foreground: kiosk.kiosk,
      });
      stopStack.push({ name: "metrics", fn: () => api.close() });
      const socket = cfg.paths.socket ? { path: cfg.paths.socket, mode: parseInt(cfg.http.socketMode, 8), group: cfg.http.socketGroup } : null;
      const listening = await listenApi(api.app, { host: cfg.http.host, port: cfg.http.port, tls: cfg.paths.tls, socket }, log);
      stopStack.push({ name: "http", fn: () => listening.close() });
      url = listening.url;
      socketPath = listening.socketPath;
      log.info({ url }, "API listening");
    }

    // 10. sync started
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

/** A simulated bank gets a simulated keypad and scanner (the bank page types and scans on them) unless real ones are configured. */
function simulatedInput(cfg: ResolvedConfig, sim: SimLockBank | null): KioskDeviceOverrides {
  if (!sim) return {};
  return {
    ...(cfg.input.keypad.type === "none" ? { keypad: new SimKeypad() } : {}),
    ...(cfg.input.scanner.type === "none" ? { scanner: new SimScanner({ maxLength: cfg.input.scanner.maxLength, allowedSymbologies: cfg.input.scanner.allowedSymbologies }) } : {}),
  };
}

/** With sync and a notifier key, codes are sealed for the center; otherwise no code leaves the answer. */
function codeSealing(cfg: ResolvedConfig, log: Logger): Pick<BankContext, "sealCodes"> {
  if (!cfg.sync.enabled) return {};
  if (cfg.sync.notifierKeys.length === 0) {
    log.warn("sync.notifierKeys is empty: pickup codes are not sent to the center, which cannot tell customers their codes");
    return {};
  }
  const sealer = createSealer(cfg.sync.notifierKeys);
  log.info({ keyIds: sealer.keyIds }, "pickup codes are sealed to the notifier's keys");
  return { sealCodes: (parcelId, codes) => sealer.seal(cfg.bank.id, parcelId, codes) };
}

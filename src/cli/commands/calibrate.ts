/**
 * lockerctl calibrate: a new bank's boards found, its sensor polarity learned, every lock pulsed
 * once against the layout, and the result written as a configuration to review. It owns the
 * serial line, so it runs only while the daemon is stopped. Whatever happens (an answer, an
 * error, Ctrl-C, SIGTERM) ends in the one clean-up: the line closed, then every output off
 * through the same machinery as lockerd-outputs-off.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../../config/errors.js";
import { loadLayout, parseLayout, type BankLayout } from "../../config/layout.js";
import type { ResolvedConfig } from "../../config/load.js";
import { switchOutputsOff } from "../../drivers/outputs-off.js";
import { DIALECTS, POLARITY_KEY, defaultProbeRange, dialectProtocol, parsePolarity, polarityValue, type DialectOptions, type Polarity } from "../../drivers/serial/dialects.js";
import { BOARD_LIMITS, type BoardDriver } from "../../drivers/serial/from-config.js";
import { BoardLine, PortBusyError } from "../../drivers/serial/probe.js";
import { mapBoardWiring } from "../../drivers/serial/wiring.js";
import { Client, describeTarget } from "../client.js";
import { intOption, str, type Command, type Values } from "../command.js";
import type { CliContext } from "../context.js";
import { ApiError, CliError, usageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { OfflineBank } from "../offline.js";
import { Progress } from "../progress.js";
import { learnPolarity, probeDialect, PolarityNotLearned, type Found } from "../calibrate/find.js";
import { calibratedConfig, checkConfigFile, layoutFromBoards, mayWrite, readRawConfig, writeChecked } from "../calibrate/result-file.js";
import { Interrupted, NoAnswer, Session } from "../calibrate/session.js";
import { checkWiring, type LockResult } from "../calibrate/wiring-check.js";

export const calibrateCommand: Command = {
  name: "calibrate",
  help: `usage: lockerctl calibrate [--port PATH] [--driver D[,D...]] [--addresses A-B] [--polarity V]
                          [--layout FILE] [--out FILE] [--confirm lock|board] [--force]

Walks a technician through a new bank, with lockerd STOPPED (calibrate owns the serial line):
  1. finds the boards that answer on the line: each dialect (cu16, 8a80, modbus-relay, wkly) at
     its factory baud rate, every address of its range, with its READ command only (nothing can
     open while probing);
  2. learns the door sensor polarity: close every door, open one, close it again;
  3. pulses every lock of the layout once, in turn; after each (or after each board with
     --confirm board) you say whether the expected door opened, and the sensors are watched:
     a door that opens on another channel is reported as miswired;
  4. writes the configuration (your --config with the hardware keys set, and bank.layout) to
     --out, after loading it back as lockerd would; an existing file is replaced only if you say so.
Answers come one line each from stdin (a terminal, or a script: "" = Enter, y/n).
Ctrl-C or SIGTERM at any point: the line is closed, every output is switched off (as
lockerd-outputs-off does), nothing is written, exit 1.
Exit 0 when every lock checked out, 1 otherwise; 69 no board answered; 75 the daemon or
another program holds the line; 78 a layout that cannot be used.

Options:
  --port PATH          the RS-485 adapter (default: hardware.serial.path)
  --driver LIST        only these dialects (default: all four)
  --addresses A-B      addresses to probe (default: each dialect's range; modbus-relay 1-32)
  --baud N             probe at this baud rate instead of each dialect's factory rate
  --probe-timeout MS   wait for each address's answer (default 150)
  --polarity V         skip learning it: the driver's setting (0|1; 0x11|0x00 for 8a80)
  --layout FILE        the layout to check (default: bank.layout; none: one is written from
                       the boards found, a locker per channel, next to --out)
  --out FILE           where to write the configuration (default lockerd.calibrated.json
                       beside --config, else in the current directory)
  --confirm lock|board ask after every lock (default) or once per board
  --channels N         locks per board: Modbus relay boards' inputs (default
                       modbus-relay.channels), and the written layout's lockers per board
                       (a 0x80 query always reports 24, an 8-channel board has 8)
  --wait SECONDS       how long to watch the sensors after each pulse (default 5)
  --include-occupied   also pulse lockers the bank's database says hold a parcel (skipped
                       otherwise: their doors would open)
  -f, --force          replace existing output files without asking`,
  options: {
    port: { type: "string" },
    driver: { type: "string" },
    addresses: { type: "string" },
    baud: { type: "string" },
    "probe-timeout": { type: "string" },
    polarity: { type: "string" },
    layout: { type: "string" },
    out: { type: "string" },
    confirm: { type: "string" },
    wait: { type: "string" },
    channels: { type: "string" },
    "include-occupied": { type: "boolean" },
    force: { type: "boolean", short: "f" },
  },
  run: (ctx, _args, values) => calibrate(ctx, values),
};

interface Plan {
  port: string;
  drivers: BoardDriver[];
  range: [number, number] | null;
  baudRate: number | undefined;
  probeTimeoutMs: number;
  confirm: "lock" | "board";
  waitMs: number;
  out: string;
  /** --layout, resolved. */
  layout: string | undefined;
  force: boolean;
  includeOccupied: boolean;
  dialect: DialectOptions;
  /** --channels: caps the written layout's lockers per board. */
  channels: number | undefined;
}

/** What has been reached so far: what the clean-up must switch off. */
interface State {
  found: Found | null;
  polarity: Polarity | null;
  pulsed: boolean;
}

function plan(cfg: ResolvedConfig, values: Values): Plan {
  const port = str(values.port) ?? cfg.hardware.serial.path;
  if (!port) throw usageError("no serial port: pass --port (e.g. /dev/serial/by-id/usb-FTDI_...) or set hardware.serial.path");
  const drivers = (str(values.driver) ?? DIALECTS.join(",")).split(",").map((d) => d.trim());
  for (const d of drivers) if (!DIALECTS.includes(d as BoardDriver)) throw usageError(`--driver: unknown board dialect ${JSON.stringify(d)} (expected ${DIALECTS.join(", ")})`);
  let range: [number, number] | null = null;
  const a = str(values.addresses);
  if (a !== undefined) {
    const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(a);
    if (!m || Number(m[2] ?? m[1]) < Number(m[1])) throw usageError(`--addresses: expected A or A-B with A <= B, e.g. 1-8 (got ${a})`);
    range = [Number(m[1]), Number(m[2] ?? m[1])];
  }
  const channels = values.channels === undefined ? undefined : intOption(values, "channels", 8, 1, 48);
  const confirm = str(values.confirm) ?? "lock";
  if (confirm !== "lock" && confirm !== "board") throw usageError(`--confirm: expected lock or board (got ${confirm})`);
  return {
    port,
    drivers: drivers as BoardDriver[],
    range,
    baudRate: values.baud === undefined ? undefined : intOption(values, "baud", 9600, 1200, 115200),
    probeTimeoutMs: intOption(values, "probe-timeout", 150, 20, 5000),
    confirm,
    waitMs: intOption(values, "wait", 5, 1, 120) * 1000,
    // Next to the configuration it comes from: relative paths in it then mean the same files.
    out: resolve(str(values.out) ?? join(cfg.paths.config ? dirname(cfg.paths.config) : ".", "lockerd.calibrated.json")),
    layout: str(values.layout) === undefined ? undefined : resolve(str(values.layout)!),
    force: values.force === true,
    includeOccupied: values["include-occupied"] === true,
    // Modbus boards have at most 32 inputs; a larger --channels is refused once such a board is found.
    dialect: { channels: channels !== undefined && channels <= BOARD_LIMITS["modbus-relay"].channels ? channels : cfg.hardware["modbus-relay"].channels, unlockReply: cfg.hardware.wkly.unlockReply },
    channels,
  };
}

async function calibrate(ctx: CliContext, values: Values): Promise<number> {
  const cfg = ctx.config();
  const p = plan(cfg, values);
  const daemon = await daemonAnswers(ctx);
  if (daemon) throw new CliError(`the daemon is running (it answers at ${daemon}) and owns the serial line ${p.port}: stop it first (sudo systemctl stop lockerd), then calibrate`, EXIT.TRY_LATER, "DAEMON_RUNNING");
  const s = new Session(ctx.io.stdin, ctx.io.stderr);
  const progress = new Progress(ctx.io.stderr, ctx.io.stderr.isTTY === true, "calibrate");
  const state: State = { found: null, polarity: null, pulsed: false };
  try {
    return await steps(ctx, cfg, p, s, progress, state, str(values.polarity));
  } catch (e) {
    progress.done();
    if (e instanceof Interrupted) {
      const off = await outputsOff(cfg, p, state);
      ctx.out.error(`interrupted by ${e.signal}: ${off}; nothing was written`);
      if (ctx.out.json) ctx.out.printJson({ interrupted: e.signal, outputsOff: off, written: null });
      return EXIT.FAILED;
    }
    if (state.pulsed) ctx.out.warn(`stopped: ${await outputsOff(cfg, p, state)}`);
    if (e instanceof NoAnswer || e instanceof PolarityNotLearned) throw new CliError(e.message, EXIT.FAILED, "NOT_CALIBRATED");
    if (e instanceof PortBusyError) throw new CliError(`${e.message}: is lockerd running? stop it first (sudo systemctl stop lockerd)`, EXIT.TRY_LATER, "PORT_BUSY");
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.CONFIG, "CONFIG");
    // The port cannot be opened (missing, no permission) or the line failed: the hardware's fault, not ours.
    if (e instanceof Error && !(e instanceof CliError) && !(e instanceof TypeError) && !(e instanceof RangeError) && !(e instanceof ReferenceError)) {
      throw new CliError(`${e.message} (as root, or as a member of the group that owns the adapter: see docs/installing.md)`, EXIT.HARDWARE, "SERIAL_LINE");
    }
    throw e;
  } finally {
    s.dispose();
  }
}

async function steps(ctx: CliContext, cfg: ResolvedConfig, p: Plan, s: Session, progress: Progress, state: State, polarityArg: string | undefined): Promise<number> {
  // A layout that cannot be read is said before anything else, not after the technician's work.
  const layoutGiven = p.layout ?? (cfg.bank.layout ? cfg.paths.layout : undefined);
  const given = layoutGiven ? { layout: loadLayout(layoutGiven, cfg.bank.sizes), layoutPath: layoutGiven } : null;
  if (/^\/dev\/tty(USB|ACM)\d+$/.test(p.port)) s.say(`warning: ${p.port} may name another adapter after a reboot or a replug; the written configuration should use /dev/serial/by-id/... (ls -l /dev/serial/by-id/)`);
  s.say(`calibrate: probing ${p.port} for ${p.drivers.join(", ")} boards (read commands only, nothing opens)`);
  const answering: Found[] = [];
  for (const driver of p.drivers) {
    const f = await withLine(s, driver, p, undefined, (line) => probeDialect(s, line, driver, p.range ?? defaultProbeRange(driver), progress));
    progress.done();
    if (f.boards.length) answering.push(f);
  }
  if (!answering.length) throw new CliError(`no board answered on ${p.port} (${p.drivers.join(", ")}): check power, the A/B wires (swap them), the adapter, the address switches, or give --baud`, EXIT.HARDWARE, "NO_BOARDS");
  if (answering.length > 1) throw usageError(`boards of several dialects answered (${answering.map((f) => `${f.driver}: ${f.boards.map((b) => b.board).join(", ")}`).join("; ")}): pass --driver to choose one`);
  const found = answering[0]!;
  state.found = found;
  const driver = found.driver;
  if (driver === "modbus-relay" && p.channels !== undefined && p.channels > BOARD_LIMITS[driver].channels) throw usageError(`--channels: a Modbus relay board has at most ${BOARD_LIMITS[driver].channels}`);
  for (const b of found.boards.filter((x) => x.refused)) s.say(`warning: board ${b.board} answered with a refusal: ${b.refused}`);
  const boards = found.boards.filter((b) => !b.refused).map((b) => ({ ...b, channels: Math.min(b.channels, p.channels ?? b.channels) }));
  if (!boards.length) throw new CliError(`the ${driver} boards on ${p.port} answered only with refusals: they cannot be read`, EXIT.HARDWARE, "BOARDS_REFUSE");
  s.say(`found ${driver} boards ${boards.map((b) => `${b.board} (${b.channels} channels)`).join(", ")} at ${found.baudRate} baud`);

  let polarity: Polarity;
  if (polarityArg !== undefined) {
    const given = parsePolarity(driver, polarityArg);
    if (!given) throw usageError(`--polarity: ${POLARITY_KEY[driver]} takes ${driver === "8a80" ? "0x11 or 0x00" : "0 or 1"} (got ${polarityArg})`);
    polarity = given;
  } else {
    const learned = await withLine(s, driver, p, undefined, (line) => learnPolarity(s, line, driver, boards.map((b) => b.board)));
    polarity = learned.polarity;
    s.say(`sensor polarity: ${POLARITY_KEY[driver]} = ${polarityValue(polarity)} (learned from board ${learned.board} channel ${learned.channel})`);
  }
  state.polarity = polarity;

  const { layout, layoutPath, generated } = given ? { ...given, generated: null } : generatedLayout(cfg, p, boards);
  const limits = driver === "modbus-relay" ? { ...BOARD_LIMITS[driver], channels: p.dialect.channels } : BOARD_LIMITS[driver];
  const { wiring, problems } = mapBoardWiring(layout, limits);
  if (problems.length) throw new ConfigError(layoutPath, problems);
  const wires = [...wiring.byLocker.values()];
  const occupied = p.includeOccupied ? new Map<string, string>() : occupiedLockers(ctx, cfg);
  if (occupied.size) s.say(`${occupied.size} locker${occupied.size === 1 ? " holds a parcel" : "s hold parcels"} (${[...occupied.keys()].join(", ")}): not pulsed`);
  s.say(`checking the wiring of ${wires.length} locks against ${generated ? "a layout made from the boards found" : layoutPath}: each lock is pulsed once`);
  state.pulsed = true;
  const results = await withLine(s, driver, p, polarity, async (line) => {
    await s.guard(line.allOff(boards.map((b) => b.board)));
    return checkWiring(s, line, wires, new Set(boards.map((b) => b.board)), { pulseMs: cfg.doors.pulseMs, waitMs: p.waitMs, confirm: p.confirm, progress, occupied });
  });
  progress.done();
  const off = await outputsOff(cfg, p, state);

  let written: string | null = null;
  const conf = calibratedConfig(readRawConfig(cfg.paths.config), { driver, port: p.port, baudRate: found.baudRate, polarity, channels: driver === "modbus-relay" ? p.dialect.channels : undefined, layoutPath });
  if (generated) {
    if (!(await mayWrite(s, layoutPath, p.force))) throw new CliError(`${layoutPath} kept; nothing written`, EXIT.FAILED, "NOT_WRITTEN");
    writeChecked(layoutPath, generated, (tmp) => void loadLayout(tmp, cfg.bank.sizes));
  }
  if (cfg.paths.config && dirname(cfg.paths.config) !== dirname(p.out)) {
    s.say(`note: ${p.out} is not beside ${cfg.paths.config}: relative paths in it (dataDir, database.path, ...) now resolve from ${dirname(p.out)}`);
  }
  if (await mayWrite(s, p.out, p.force)) {
    writeChecked(p.out, conf, (tmp) => checkConfigFile(tmp, driver));
    written = p.out;
  }
  return report(ctx, { driver, port: p.port, baudRate: found.baudRate, boards, polarity, results, written, layoutPath, outputsOff: off });
}

/** A line for one dialect, open for `use` and closed after it, whatever happens. */
async function withLine<T>(s: Session, driver: BoardDriver, p: Plan, polarity: Polarity | undefined, use: (line: BoardLine) => Promise<T>): Promise<T> {
  const line = new BoardLine({ driver, protocol: dialectProtocol(driver, p.dialect, polarity), path: p.port, baudRate: p.baudRate, responseTimeoutMs: p.probeTimeoutMs });
  try {
    await s.guard(line.open());
    return await use(line);
  } finally {
    await line.close();
  }
}

/** No layout given: one column per board found, a locker per channel, written next to --out. */
function generatedLayout(cfg: ResolvedConfig, p: Plan, boards: Found["boards"]): { layout: BankLayout; layoutPath: string; generated: Record<string, unknown> } {
  const layoutPath = join(dirname(p.out), p.out.replace(/^.*\//, "").replace(/\.json$/, "") + ".layout.json");
  const generated = layoutFromBoards(boards, cfg.bank.sizes[0]!);
  return { layout: parseLayout(generated, cfg.bank.sizes, layoutPath), layoutPath, generated };
}

/** Lockers holding a parcel, from the bank's database read-only (none on a new bank, which has no database yet). */
function occupiedLockers(ctx: CliContext, cfg: ResolvedConfig): Map<string, string> {
  const path = ctx.databasePath();
  if (!existsSync(path)) return new Map();
  const bank = OfflineBank.open(path);
  try {
    return new Map(bank.status(cfg.bank.sizes).lockers.flatMap((l) => (l.parcelId ? [[l.id, l.parcelId] as const] : [])));
  } finally {
    bank.close();
  }
}

/** The line is closed by now: switch every output off the way lockerd-outputs-off does, and say what was done. */
async function outputsOff(cfg: ResolvedConfig, p: Plan, state: State): Promise<string> {
  if (!state.found || !state.pulsed) return "no lock was pulsed, so no output was switched on (probing and reading only)";
  const driver = state.found.driver;
  const relay = cfg.hardware["modbus-relay"];
  // outputs-off reads no door, so the polarity does not matter to it; a learned one is used when known.
  const openInput = state.polarity && "modbus-relay" in state.polarity ? state.polarity["modbus-relay"].openInput : (relay.openInput ?? 1);
  const offCfg: ResolvedConfig = {
    ...cfg,
    hardware: { ...cfg.hardware, driver, serial: { ...cfg.hardware.serial, path: p.port, baudRate: state.found.baudRate as 9600, retries: 1 }, "modbus-relay": { ...relay, channels: p.dialect.channels, openInput } },
  };
  const boards = state.found.boards.map((b) => b.board);
  const lockers = boards.map((b, i) => ({ id: `Z${String(i).padStart(2, "0")}`, size: cfg.bank.sizes[0]!, lock: { board: b, channel: 1 } }));
  try {
    return `every output is off (${await switchOutputsOff(offCfg, { name: "calibrate", columns: [{ id: "Z", lockers }], lockers })})`;
  } catch (e) {
    return `switching the outputs off FAILED (${(e as Error).message}): run lockerd-outputs-off now`;
  }
}

/** Whether a daemon answers where lockerctl would reach it: it then holds the serial line. */
async function daemonAnswers(ctx: CliContext): Promise<string | null> {
  let target;
  try {
    target = ctx.target();
  } catch {
    return null;
  }
  try {
    await new Client(target, 2000).get("/healthz");
    return describeTarget(target);
  } catch (e) {
    return e instanceof ApiError ? describeTarget(target) : null;
  }
}

interface Report {
  driver: BoardDriver;
  port: string;
  baudRate: number;
  boards: Found["boards"];
  polarity: Polarity;
  results: LockResult[];
  written: string | null;
  layoutPath: string;
  outputsOff: string;
}

function report(ctx: CliContext, r: Report): number {
  const bad = r.results.filter((x) => x.verdict !== "ok");
  const out = ctx.out;
  if (out.json) {
    out.printJson({ ...r, polarity: { key: POLARITY_KEY[r.driver], value: polarityValue(r.polarity) }, ok: bad.length === 0 });
  } else {
    out.table(
      ["locker", "board", "channel", "result", "details"],
      r.results.map((x) => [x.lockerId, String(x.board), String(x.channel), x.verdict === "ok" ? out.paint("green", "ok") : out.paint(["bold", "red"], x.verdict.replace(/_/g, " ")), x.detail]),
    );
    out.line();
    out.line(`${r.driver} boards ${r.boards.map((b) => b.board).join(", ")} on ${r.port} at ${r.baudRate} baud; ${POLARITY_KEY[r.driver]} = ${polarityValue(r.polarity)}`);
    out.line(`${r.results.length - bad.length} of ${r.results.length} locks checked out; ${r.outputsOff}`);
    out.line(r.written ? `written: ${r.written} (layout ${r.layoutPath}); review it, then start lockerd with it` : "the configuration was NOT written");
  }
  return bad.length === 0 && r.written ? EXIT.OK : EXIT.FAILED;
}

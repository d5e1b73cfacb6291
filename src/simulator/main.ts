#!/usr/bin/env node
/**
 * The lock-board simulator as a program: a bus of simulated CU16 or 0x8A/0x80 boards on a
 * serial device (usually one end of a socat pty pair; scripts/board-sim sets that up), with a
 * small command prompt on stdin to move doors and inject faults while the daemon runs.
 * Why there are two simulated banks (this one and the other): README, "Two simulators, and why both".
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { hex } from "../drivers/serial/checksum.js";
import { BoardBus, GARBAGE } from "./board-bus.js";
import type { SimProtocol } from "./responders.js";
import type { BoardChange } from "./sim-board.js";

const USAGE = `usage: board-sim --protocol cu16|8a80 --device PATH [options]

  --boards N          number of boards (default 1), addressed from --first-board
  --first-board N     first board address (default 0 for cu16, 1 for 8a80)
  --channels N        channels per board (default 16 for cu16, 24 for 8a80)
  --baud N            baud rate (default 19200 for cu16, 9600 for 8a80)
  --open-delay MS     a person opens an unlocked door after MS (default 1500)
  --close-delay MS    ... and closes it MS later (default 4000)
  --no-person         doors move only by the commands below
  --locked-bit 0|1    cu16: feedback bit value of a closed door (default 1)
  --open-status HEX   8a80: status meaning open, 0x11 or 0x00 (default 0x11)
  --trace             print every frame read and written

Commands on stdin:
  status                       every board's doors and IR inputs
  open B C | close B C         move door C of board B
  item B C on|off              IR "item present" input
  jam B C on|off               the door does not open when unlocked
  silent B on|off              board B stops answering
  garbage B on|off             board B answers with garbage
  noise B on|off               noise on the line before board B's answers
  badsum B on|off              board B answers with a wrong checksum
  delay B MS                   board B answers MS late
  spray                        put garbage on the line now
  person on|off                the simulated person
  quit`;

function intArg(v: string | undefined, def: number, name: string): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number (found ${v})`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      protocol: { type: "string" },
      device: { type: "string" },
      boards: { type: "string" },
      "first-board": { type: "string" },
      channels: { type: "string" },
      baud: { type: "string" },
      "open-delay": { type: "string" },
      "close-delay": { type: "string" },
      "no-person": { type: "boolean" },
      "locked-bit": { type: "string" },
      "open-status": { type: "string" },
      trace: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  const protocol = values.protocol as SimProtocol | undefined;
  if (protocol !== "cu16" && protocol !== "8a80") throw new Error("--protocol must be cu16 or 8a80");
  if (!values.device) throw new Error("--device is required");
  const first = intArg(values["first-board"], protocol === "cu16" ? 0 : 1, "first-board");
  const count = intArg(values.boards, 1, "boards");
  const lockedBit = intArg(values["locked-bit"], 1, "locked-bit");
  if (lockedBit > 1) throw new Error("--locked-bit must be 0 or 1");
  const openStatus = (values["open-status"] ?? "0x11").toLowerCase();
  if (openStatus !== "0x11" && openStatus !== "0x00") throw new Error("--open-status must be 0x11 or 0x00");
  const person = { enabled: !values["no-person"], openDelayMs: intArg(values["open-delay"], 1500, "open-delay"), closeDelayMs: intArg(values["close-delay"], 4000, "close-delay") };
  const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);

  const bus = new BoardBus({
    protocol,
    device: values.device,
    ...(values.baud ? { baudRate: intArg(values.baud, 0, "baud") } : {}),
    ...(values.channels ? { channels: intArg(values.channels, 0, "channels") } : {}),
    boards: Array.from({ length: count }, (_, i) => first + i),
    person,
    lockedBit: lockedBit as 0 | 1,
    openStatus: openStatus === "0x11" ? 0x11 : 0x00,
    onChange: (c: BoardChange) => say(describe(c)),
    ...(values.trace ? { onTraffic: (dir: "in" | "out", bytes: Buffer) => say(`${dir === "in" ? "<-" : "->"} ${hex(bytes)}`) } : {}),
  });
  await bus.start();
  say(`${protocol} simulator: boards ${[...bus.boards.keys()].join(", ")} on ${values.device}; type "help" for commands`);

  const rl = createInterface({ input: process.stdin, terminal: false });
  const stop = async () => {
    rl.close();
    await bus.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  for await (const raw of rl) {
    const [cmd, ...args] = raw.trim().split(/\s+/);
    if (!cmd) continue;
    try {
      if (cmd === "quit" || cmd === "exit") break;
      say(await command(bus, person, cmd, args));
    } catch (e) {
      say(`error: ${(e as Error).message}`);
    }
  }
  await stop();
}

async function command(bus: BoardBus, person: { enabled: boolean }, cmd: string, args: string[]): Promise<string> {
  const num = (i: number, name: string) => {
    const n = Number(args[i]);
    if (!Number.isInteger(n)) throw new Error(`${cmd}: ${name} must be a number`);
    return n;
  };
  const onOff = (i: number) => {
    if (args[i] !== "on" && args[i] !== "off") throw new Error(`${cmd}: expected on or off`);
    return args[i] === "on";
  };
  switch (cmd) {
    case "help":
      return USAGE.slice(USAGE.indexOf("Commands"));
    case "status":
      return [...bus.boards.values()]
        .map((b) => `board ${b.id}: doors open [${channelsWhere(b.doorOpen)}] items [${channelsWhere(b.itemPresent)}] faults ${JSON.stringify(b.behaviour)} jammed [${[...b.jammed].join(",")}]`)
        .join("\n");
    case "open":
    case "close":
      bus.board(num(0, "board")).setDoor(num(1, "channel"), cmd === "open");
      return "ok";
    case "item":
      bus.board(num(0, "board")).setItem(num(1, "channel"), onOff(2));
      return "ok";
    case "jam": {
      const b = bus.board(num(0, "board"));
      if (onOff(2)) b.jammed.add(num(1, "channel"));
      else b.jammed.delete(num(1, "channel"));
      return "ok";
    }
    case "silent":
    case "garbage":
    case "noise":
      bus.board(num(0, "board")).behaviour[cmd] = onOff(1);
      return "ok";
    case "badsum":
      bus.board(num(0, "board")).behaviour.badChecksum = onOff(1);
      return "ok";
    case "delay":
      bus.board(num(0, "board")).behaviour.delayMs = num(1, "ms");
      return "ok";
    case "spray":
      await bus.inject(GARBAGE);
      return `sprayed ${hex(GARBAGE)}`;
    case "person":
      person.enabled = onOff(0);
      return "ok";
    default:
      throw new Error(`unknown command ${cmd} (try help)`);
  }
}

function channelsWhere(values: readonly boolean[]): string {
  return values.flatMap((v, i) => (v ? [i + 1] : [])).join(",");
}

function describe(c: BoardChange): string {
  switch (c.kind) {
    case "unlock":
      return `board ${c.board} channel ${c.channel}: unlocked`;
    case "door":
      return `board ${c.board} channel ${c.channel}: door ${c.open ? "opened" : "closed"}`;
    case "item":
      return `board ${c.board} channel ${c.channel}: item ${c.present ? "present" : "gone"}`;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`board-sim: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

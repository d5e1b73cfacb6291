/** The notifier's operator commands: a sealing key pair, a bank's profile for messages, the bulk deadline rule. */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { generateSealingKeyPair } from "../../system/sealed-codes.js";
import type { CentralCommand } from "../service/commands.js";
import { extendDeadlines } from "./extend-deadlines.js";

export const keygenCommand: CentralCommand = {
  name: "keygen",
  usage: "keygen --out FILE",
  summary: "make the notifier's X25519 key pair: private key to FILE (0600), public key printed for banks",
  needsDatabase: false,
  async run({ args }) {
    const { values } = parseArgs({ args, options: { out: { type: "string" }, config: { type: "string", short: "c" } } });
    if (!values.out) throw new Error("--out FILE is required");
    const k = generateSealingKeyPair();
    writeFileSync(values.out, k.privatePem, { mode: 0o600, flag: "wx" });
    process.stdout.write(
      `Private key written to ${values.out} (add it to notifier.privateKeyFiles).\n` +
        `Public key (key id ${k.keyId}); add it to each bank's sync.notifierKeys:\n\n  ${k.publicKey}\n`,
    );
    return 0;
  },
};

export const bankProfileCommand: CentralCommand = {
  name: "bank-profile",
  usage: "bank-profile --bank ID [--time-zone Z] [--name N] [--address A]",
  summary: "what messages say about a bank: its name, address and time zone",
  async run({ args, pool }) {
    const { values } = parseArgs({
      args,
      options: { bank: { type: "string" }, "time-zone": { type: "string" }, name: { type: "string" }, address: { type: "string" }, config: { type: "string", short: "c" } },
    });
    if (!values.bank) throw new Error("--bank ID is required");
    const tz = values["time-zone"];
    if (tz !== undefined) new Intl.DateTimeFormat("en", { timeZone: tz }); // throws RangeError for an unknown zone
    const r = await pool.query(
      `UPDATE central.banks SET time_zone = COALESCE($2, time_zone), display_name = COALESCE($3, display_name), address = COALESCE($4, address)
       WHERE id = $1 RETURNING id, display_name, address, time_zone`,
      [values.bank, tz ?? null, values.name ?? null, values.address ?? null],
    );
    if (r.rowCount === 0) throw new Error(`no bank ${values.bank}`);
    process.stdout.write(JSON.stringify(r.rows[0]) + "\n");
    return 0;
  },
};

export const extendDeadlinesCommand: CentralCommand = {
  name: "extend-deadlines",
  usage: "extend-deadlines (--bank ID | --all) --hours N",
  summary: "every live parcel's deadline later by N hours (extend commands to the banks)",
  async run({ args, pool }) {
    const { values } = parseArgs({ args, options: { bank: { type: "string" }, all: { type: "boolean" }, hours: { type: "string" }, config: { type: "string", short: "c" } } });
    const hours = Number(values.hours);
    if (!Number.isInteger(hours) || hours < 1 || hours > 720) throw new Error("--hours: a whole number from 1 to 720");
    if (!values.bank === !values.all) throw new Error("give --bank ID or --all");
    const r = await extendDeadlines(pool, { bankId: values.bank ?? null, hours, createdBy: `lockerd-central extend-deadlines (${hours} h)` });
    process.stdout.write(JSON.stringify(r) + "\n");
    return 0;
  },
};

/**
 * The operator's command tool (until lockerd-central serves the same over HTTP):
 *
 *   central-command keygen --out operator.key            a new Ed25519 key pair; prints the bank configuration entry
 *   central-command pubkey --key operator.key            the public key and key id of a key file
 *   central-command sign   --key operator.key --bank B0042 --kind open_door --args '{"lockerId":"A03"}' [--ttl 600]
 *                                                         prints the signed command as JSON (sign offline, queue elsewhere)
 *   central-command queue  --key operator.key --bank B0042 --kind open_door --args '{"lockerId":"A03"}' [--ttl 600] [--url …]
 *   central-command queue  --signed file.json [--url …]   queue a command signed with `sign`
 *   central-command list   [--bank B0042] [--status refused] [--limit 50] [--url …]
 *   central-command show   ID [--url …]                   one command and the outcome its bank reported
 *
 * The private key file never goes into the database; only the signed payload and signature do.
 */
import { readFileSync } from "node:fs";
import { loadSigner, writeNewKeyFile } from "../signing/ed25519.js";
import { signCommand } from "../signing/signed-command.js";
import { parseCanonicalJson } from "../signing/canonical-json.js";
import { connectAdmin, fail, parseToolArgs } from "./cli-connect.js";
import { COMMAND_KINDS, getCommand, insertSigned, listCommands, type CommandKind, type CommandStatus } from "./commands.js";

const USAGE = `usage: central-command keygen --out FILE
       central-command pubkey --key FILE
       central-command sign   --key FILE --bank ID --kind KIND --args JSON [--ttl SECONDS]
       central-command queue  (--key FILE --bank ID --kind KIND --args JSON [--ttl SECONDS] | --signed FILE) [--url URL]
       central-command list   [--bank ID] [--status S] [--limit N] [--url URL]
       central-command show   ID [--url URL]
kinds: ${COMMAND_KINDS.join(", ")}`;

const { values, positionals } = parseToolArgs("central-command", USAGE, {
  allowPositionals: true,
  options: {
    url: { type: "string" },
    out: { type: "string" },
    key: { type: "string" },
    bank: { type: "string" },
    kind: { type: "string" },
    args: { type: "string", default: "{}" },
    ttl: { type: "string", default: "600" },
    signed: { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

const [sub, ...rest] = positionals;
if (values.help || !sub) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) fail(`central-command ${sub}: ${what} is required\n${USAGE}`);
  return v;
}

function signFromOptions() {
  const signer = loadSigner(need(values.key, "--key"));
  const kind = need(values.kind, "--kind");
  if (!(COMMAND_KINDS as readonly string[]).includes(kind)) fail(`unknown kind ${kind}; one of ${COMMAND_KINDS.join(", ")}`);
  let args: unknown;
  try {
    args = JSON.parse(values.args!);
  } catch (e) {
    fail(`--args is not JSON: ${(e as Error).message}`);
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) fail("--ttl is a whole number of seconds");
  return signCommand(signer, { bank: need(values.bank, "--bank"), kind: kind as CommandKind, args: args as Record<string, unknown>, issuedAt: Date.now(), ttlMs: ttl * 1000 });
}

try {
  switch (sub) {
    case "keygen": {
      const out = need(values.out, "--out");
      const pk = writeNewKeyFile(out);
      console.log(JSON.stringify({ keyFile: out, keyId: pk.keyId, publicKey: pk.base64, bankConfig: { commands: { trustedKeys: [{ name: "CHANGE-ME", publicKey: pk.base64 }] } } }, null, 2));
      break;
    }
    case "pubkey": {
      const s = loadSigner(need(values.key, "--key"));
      console.log(JSON.stringify({ keyId: s.keyId, publicKey: s.publicKey.base64 }));
      break;
    }
    case "sign": {
      const s = signFromOptions();
      console.log(JSON.stringify({ payload: s.payload, signature: s.signature }));
      break;
    }
    case "queue": {
      let signed;
      if (values.signed) {
        const file = JSON.parse(readFileSync(values.signed, "utf8")) as { payload: string; signature: string };
        const fields = parseCanonicalJson(file.payload) as never as Parameters<typeof insertSigned>[2]["fields"] & { bank: string };
        signed = { payload: file.payload, signature: file.signature, fields };
      } else {
        signed = signFromOptions();
      }
      const client = await connectAdmin(values.url);
      try {
        console.log(JSON.stringify(await insertSigned(client, (signed.fields as { bank: string }).bank, signed), null, 2));
      } finally {
        await client.end();
      }
      break;
    }
    case "list":
    case "show": {
      const client = await connectAdmin(values.url);
      try {
        if (sub === "show") {
          const id = Number(need(rest[0], "ID"));
          const c = await getCommand(client, id);
          if (!c) fail(`no command ${id}`);
          console.log(JSON.stringify(c, null, 2));
        } else {
          const rows = await listCommands(client, { bankId: values.bank, status: values.status as CommandStatus | undefined, limit: values.limit ? Number(values.limit) : undefined });
          for (const r of rows) console.log(JSON.stringify(r));
        }
      } finally {
        await client.end();
      }
      break;
    }
    default:
      fail(`unknown subcommand ${sub}\n${USAGE}`);
  }
} catch (e) {
  fail(`central-command ${sub}: ${(e as Error).message}`);
}

/** The SMTP server child (smtp-child.ts) started, stopped and started again on the same port. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { PACKAGE_ROOT } from "../../src/system/paths.js";

export interface ReceivedMail {
  raw: string;
  secure: boolean;
  header(name: string): string | undefined;
  /** The decoded text body (quoted-printable undone). */
  text: string;
}

export interface SmtpProcess {
  port: number;
  /** Every message accepted, across restarts. */
  mails: ReceivedMail[];
  /** How many recipients were given (messages under way, accepted or not). */
  started(): number;
  stop(): Promise<void>;
  /** Start again on the same port. */
  start(): Promise<void>;
}

function parseMail(raw: string, secure: boolean): ReceivedMail {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head!.replace(/\r?\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  let body = rest.join("\n\n");
  if (/quoted-printable/i.test(headers.get("content-transfer-encoding") ?? "")) {
    body = Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  } else if (/base64/i.test(headers.get("content-transfer-encoding") ?? "")) {
    body = Buffer.from(body, "base64").toString("utf8");
  }
  return { raw, secure, header: (n) => headers.get(n.toLowerCase()), text: body };
}

export async function startSmtpProcess(opts: { delayMs?: number } = {}): Promise<SmtpProcess> {
  const mails: ReceivedMail[] = [];
  let starts = 0;
  let port = 0;
  let child: ChildProcess | null = null;
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "test/support/smtp-child.ts")], {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, SMTP_PORT: String(port), SMTP_DELAY_MS: String(opts.delayMs ?? 0) },
        stdio: ["ignore", "pipe", "inherit"],
      });
      child = c;
      const timer = setTimeout(() => reject(new Error("the SMTP server did not start")), 20_000);
      c.once("exit", (code) => reject(new Error(`the SMTP server exited (${code})`)));
      createInterface({ input: c.stdout! }).on("line", (line) => {
        const o = JSON.parse(line) as { event: string; port?: number; raw?: string; secure?: boolean };
        if (o.event === "listening") {
          port = o.port!;
          clearTimeout(timer);
          resolve();
        } else if (o.event === "rcpt") starts++;
        else if (o.event === "message") mails.push(parseMail(o.raw!, o.secure === true));
      });
    });
  await launch();
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  return {
    get port() {
      return port;
    },
    mails,
    started: () => starts,
    stop,
    start: launch,
  };
}

/**
 * lockerd-central's `notifier` settings as the notifier tests run it against the test SMTP
 * server (smtp-child.ts: STARTTLS with a self-signed certificate, login lockerd/secret).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface NotifierConfigOptions {
  /** The notifier's sealing key: its private half is written into dir and named in privateKeyFiles (with a QR link). */
  key?: { privatePem: string };
  /** More notifier settings, on top (an `email` here replaces the test server's). */
  settings?: Record<string, unknown>;
}

/** Writes the SMTP password (and the key) into dir, mode 0600; returns the settings: e-mail over required STARTTLS, polled every 50 ms. */
export function notifierConfig(smtp: { port: number }, dir: string, opts: NotifierConfigOptions = {}): Record<string, unknown> {
  writeFileSync(join(dir, "smtp.pw"), "secret\n", { mode: 0o600 });
  if (opts.key) writeFileSync(join(dir, "notifier.key"), opts.key.privatePem, { mode: 0o600 });
  return {
    ...(opts.key ? { privateKeyFiles: [join(dir, "notifier.key")], qrLink: "https://lockers.example/qr#{{token}}" } : {}),
    pollMs: 50,
    email: {
      host: "127.0.0.1",
      port: smtp.port,
      requireTls: true,
      allowUntrustedCertificate: true,
      user: "lockerd",
      passwordFile: join(dir, "smtp.pw"),
      from: "Lockers <noreply@lockers.example>",
      timeoutMs: 5000,
    },
    ...opts.settings,
  };
}

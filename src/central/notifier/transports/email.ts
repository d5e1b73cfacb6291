/**
 * E-mail over SMTP with nodemailer: STARTTLS required (or TLS from the first byte), optional
 * authentication, and a Message-ID that is the same for every attempt of one message, so a
 * receiving server (or the customer's mail client) can drop a repeat.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import nodemailer from "nodemailer";
import type { EmailSettings } from "../settings.js";
import type { OutgoingMessage, Transport } from "./transport.js";

export function createEmailTransport(s: EmailSettings, baseDir: string): Transport {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const password = s.passwordFile ? readFileSync(abs(s.passwordFile), "utf8").replace(/\r?\n$/, "") : undefined;
  const transporter = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: !s.secure && s.requireTls,
    ...(s.user ? { auth: { user: s.user, pass: password ?? "" } } : {}),
    tls: { rejectUnauthorized: !s.allowUntrustedCertificate, ...(s.caFile ? { ca: readFileSync(abs(s.caFile), "utf8") } : {}) },
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
    // one connection per message: nothing to keep alive between polls, nothing half-open
    pool: false,
  });
  return {
    channel: "email",
    async send(msg: OutgoingMessage) {
      await transporter.sendMail({
        from: s.from,
        to: msg.to,
        subject: msg.subject ?? "",
        text: msg.text,
        messageId: msg.messageId,
        headers: { "X-Lockerd-Notification": String(msg.notificationId) },
      });
    },
    close: () => transporter.close(),
  };
}

/** The domain for Message-IDs: configured, or the part after @ in the From address. */
export function messageIdDomain(s: EmailSettings): string {
  if (s.messageIdDomain) return s.messageIdDomain;
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(s.from);
  return m ? m[1]! : "lockerd.invalid";
}

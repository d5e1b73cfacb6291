/**
 * An SMS gateway (or anything else) reached by an HTTP POST: the JSON body made from the
 * configured template, an Idempotency-Key that is the same for every attempt of one message,
 * and an HMAC-SHA256 signature of "<timestamp>.<body>" so the receiver knows it came from us:
 *   X-Lockerd-Timestamp: <unix seconds>
 *   X-Lockerd-Signature: sha256=<hex>
 * A 2xx answer within the timeout is acceptance; anything else is a failure.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fillPlaceholders } from "../templates.js";
import type { WebhookSettings } from "../settings.js";
import type { OutgoingMessage, Transport } from "./transport.js";

export function signWebhook(secret: string | Buffer, timestamp: string, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

function fillBody(template: unknown, vars: Record<string, string>): unknown {
  if (typeof template === "string") return fillPlaceholders(template, vars);
  if (Array.isArray(template)) return template.map((x) => fillBody(x, vars));
  if (template && typeof template === "object") return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillBody(v, vars)]));
  return template;
}

export function createWebhookTransport(s: WebhookSettings, baseDir: string, now: () => number = Date.now): Transport {
  const secretPath = isAbsolute(s.secretFile) ? s.secretFile : resolve(baseDir, s.secretFile);
  const secret = readFileSync(secretPath, "utf8").replace(/\r?\n$/, "");
  if (secret.length < 16) throw new Error(`notifier.webhook.secretFile: ${secretPath} holds fewer than 16 characters`);
  return {
    channel: "sms",
    async send(msg: OutgoingMessage) {
      const body = JSON.stringify(fillBody(s.body, { ...msg.vars, phone: msg.to, text: msg.text, messageId: msg.messageId }));
      const ts = String(Math.floor(now() / 1000));
      const res = await fetch(s.url, {
        method: "POST",
        body,
        redirect: "error",
        signal: AbortSignal.timeout(s.timeoutMs),
        headers: {
          "content-type": "application/json",
          "idempotency-key": msg.messageId,
          "x-lockerd-timestamp": ts,
          "x-lockerd-signature": signWebhook(secret, ts, body),
        },
      });
      // read (and drop) the body so the connection is released
      const answer = (await res.text()).slice(0, 200);
      if (!res.ok) throw new Error(`webhook answered ${res.status}: ${answer}`);
    },
    close: () => {},
  };
}

/** The notifier's part of lockerd-central's configuration (key "notifier"). */
import { z } from "zod";

const ms = (def: number) => z.number().int().min(1).max(7 * 86_400_000).default(def);

const emailSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS, required unless requireTls is false. */
    secure: z.boolean().default(false),
    requireTls: z.boolean().default(true),
    /** Accept a server certificate no CA vouches for (tests, a private relay); default false. */
    allowUntrustedCertificate: z.boolean().default(false),
    /** PEM file of the CA that signed the server's certificate; default the system's CAs. */
    caFile: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    /** File holding the SMTP password (mode 0600). */
    passwordFile: z.string().min(1).optional(),
    from: z.string().min(3).max(320),
    /** Domain of the Message-ID header; default the domain of `from`. */
    messageIdDomain: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "a domain name").optional(),
    timeoutMs: ms(20_000),
  })
  .strict();

const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    /** File holding the HMAC-SHA256 key for the X-Lockerd-Signature header. */
    secretFile: z.string().min(1),
    timeoutMs: ms(10_000),
    /**
     * The JSON body: strings may hold {{placeholders}} (phone, text, messageId, kind, bank,
     * trackingRef, deadline, code, qrLink, language).
     */
    body: z.record(z.string(), z.unknown()).default({ to: "{{phone}}", text: "{{text}}", reference: "{{messageId}}" }),
  })
  .strict();

export const notifierSettings = z
  .object({
    enabled: z.boolean().default(true),
    /** PKCS#8 PEM files of the X25519 private keys the banks seal codes to (two during a rotation). */
    privateKeyFiles: z.array(z.string().min(1)).max(2).default([]),
    /** Message templates (<dir>/<language>/<kind>.<email|sms>.txt); default the ones shipped in templates/notifier. */
    templatesDir: z.string().min(1).optional(),
    /** The QR token as a link: {{token}} is replaced. Default: the token itself. */
    qrLink: z.string().min(1).max(500).default("{{token}}"),
    reminderHoursBefore: z.number().positive().max(24 * 30).default(24),
    /** An advice no parcel matched expires after this long. */
    adviceTtlHours: z.number().positive().max(24 * 365).default(24 * 14),
    pollMs: ms(2000),
    batchSize: z.number().int().min(1).max(500).default(20),
    /** A claimed message not finished by then is claimed again (by any instance); must exceed the transports' timeouts. */
    leaseMs: ms(60_000),
    maxAttempts: z.number().int().min(1).max(100).default(8),
    backoffMinMs: ms(30_000),
    backoffMaxMs: ms(3_600_000),
    /** A parcel past its deadline whose bank has not reported it expired yet is looked at again after this long. */
    recheckMs: ms(600_000),
    email: emailSchema.nullable().default(null),
    webhook: webhookSchema.nullable().default(null),
  })
  .strict()
  .refine((s) => s.backoffMinMs <= s.backoffMaxMs, { message: "backoffMinMs must not exceed backoffMaxMs", path: ["backoffMinMs"] })
  .refine((s) => s.leaseMs > Math.max(s.email?.timeoutMs ?? 0, s.webhook?.timeoutMs ?? 0) * 2, {
    message: "leaseMs must be more than twice the longest transport timeout (a slow send must not be claimed again)",
    path: ["leaseMs"],
  });

export type NotifierSettings = z.infer<typeof notifierSettings>;
export type EmailSettings = z.infer<typeof emailSchema>;
export type WebhookSettings = z.infer<typeof webhookSchema>;

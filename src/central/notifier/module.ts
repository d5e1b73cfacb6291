/** The notifier as a module of lockerd-central: its settings, routes and delivery loop. */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { createOpener } from "../../system/sealed-codes.js";
import { defineModule } from "../service/module.js";
import { notifierRoutes } from "./routes.js";
import { notifierSettings, type NotifierSettings } from "./settings.js";
import { Templates } from "./templates.js";
import { createEmailTransport, messageIdDomain } from "./transports/email.js";
import type { Transport } from "./transports/transport.js";
import { createWebhookTransport } from "./transports/webhook.js";
import { createWorker } from "./worker.js";

export const notifierModule = defineModule<NotifierSettings>({
  name: "notifier",
  settings: notifierSettings.prefault({}),
  routes: (deps, s) => notifierRoutes(deps, s),
  start(deps, s) {
    if (!s.enabled) return { stop: async () => {} };
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(deps.config.baseDir, p));
    const templates = Templates.load(s.templatesDir ? abs(s.templatesDir) : undefined);
    const opener = s.privateKeyFiles.length ? createOpener(s.privateKeyFiles.map((f) => readFileSync(abs(f), "utf8"))) : null;
    if (!opener) deps.log.warn("notifier.privateKeyFiles is empty: messages that carry a code cannot be built");
    const transports: Partial<Record<"email" | "sms", Transport>> = {};
    if (s.email) transports.email = createEmailTransport(s.email, deps.config.baseDir);
    if (s.webhook) transports.sms = createWebhookTransport(s.webhook, deps.config.baseDir);
    const worker = createWorker({
      pool: deps.pool,
      log: deps.log,
      clock: deps.clock,
      instance: deps.instance,
      settings: s,
      templates,
      opener,
      transports,
      messageIdDomain: s.email ? messageIdDomain(s.email) : "lockerd.invalid",
      metrics: deps.metrics,
    });
    worker.start();
    deps.log.info({ keyIds: opener?.keyIds ?? [], transports: Object.keys(transports) }, "notifier started");
    return { stop: () => worker.stop() };
  },
});

/**
 * The notifier's loop on one instance: expire old advice, match advice with stored parcels,
 * then claim due messages and deliver them, each channel through its own transport. Any
 * number of instances run it against one database; a row is claimed by one at a time.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type pg from "pg";
import { backoffDelay } from "../../basics/backoff.js";
import type { Logger } from "../../system/logger.js";
import type { Opener } from "../../system/sealed-codes.js";
import type { CentralClock } from "../service/module.js";
import { decide } from "./decide.js";
import { claimDue, expireAdvice, finish, planMatches, planReturns, rearmReminder, type ClaimedMessage, type Finish } from "./deliveries.js";
import type { NotifierSettings } from "./settings.js";
import { formatDeadline, fillPlaceholders, type Templates } from "./templates.js";
import type { Transport } from "./transports/transport.js";

export interface WorkerDeps {
  pool: pg.Pool;
  log: Logger;
  clock: CentralClock;
  instance: string;
  settings: NotifierSettings;
  templates: Templates;
  opener: Opener | null;
  transports: Partial<Record<"email" | "sms", Transport>>;
  /** The domain of Message-IDs. */
  messageIdDomain: string;
  metrics: Registry;
  random?: () => number;
}

export interface NotifierWorker {
  /** One round: plan, then claim and deliver until nothing is due (bounded). Returns messages handled. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createWorker(d: WorkerDeps): NotifierWorker {
  const { pool, log, settings: s } = d;
  const sent = new Counter({ name: "lockerd_central_notifications_sent_total", help: "Messages accepted by their transport", labelNames: ["kind", "channel"], registers: [d.metrics] });
  const failed = new Counter({ name: "lockerd_central_notification_failures_total", help: "Delivery attempts that failed", labelNames: ["channel"], registers: [d.metrics] });
  const dead = new Counter({ name: "lockerd_central_notifications_dead_total", help: "Messages dead-lettered by this instance", labelNames: ["kind", "channel"], registers: [d.metrics] });
  new Gauge({
    name: "lockerd_central_notifications_dead",
    help: "Dead-lettered messages in the database (all instances)",
    registers: [d.metrics],
    async collect() {
      const r = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM central.notifications WHERE status = 'dead'");
      this.set(r.rows[0]!.n);
    },
  });

  // The same for every attempt of one message; a reminder sent again for a later deadline is
  // another message, so the deadline is part of it.
  const messageId = (m: ClaimedMessage, deadline: Date | null) => `<lockerd.${m.id}.${m.kind}.${m.channel}.${deadline?.getTime() ?? 0}@${d.messageIdDomain}>`;

  async function deliver(m: ClaimedMessage): Promise<Finish> {
    const now = d.clock.now();
    const decision = decide(m, now, s);
    if (decision.action === "skip") return { status: "skipped", reason: decision.reason };
    if (decision.action === "later") {
      if (decision.rearmReminderFor) await rearmReminder(pool, m, decision.rearmReminderFor, now, s.reminderHoursBefore);
      return { status: "later", at: decision.at };
    }
    const transport = d.transports[m.channel];
    if (!transport) return { status: "dead", error: `no ${m.channel === "email" ? "e-mail (notifier.email)" : "webhook (notifier.webhook)"} transport is configured` };
    const to = m.channel === "email" ? m.email : m.phone;
    if (!to) return { status: "skipped", reason: `the advice has no ${m.channel === "email" ? "e-mail address" : "phone number"}` };
    let code = "";
    let token = "";
    if (m.kind === "stored" || m.kind === "reminder") {
      if (!d.opener) return { status: "dead", error: "no notifier.privateKeyFiles: the sealed code cannot be opened" };
      if (!m.sealedCodes) return { status: "dead", error: "the bank sent no sealed code (is sync.notifierKeys set at the bank?)" };
      try {
        ({ code, token } = d.opener.open(m.bankId, m.parcelId, m.sealedCodes));
      } catch (e) {
        return { status: "dead", error: `the sealed code does not open: ${(e as Error).message}` };
      }
    }
    const deadline = decision.deadline;
    const vars = {
      code,
      token,
      qrLink: token ? fillPlaceholders(s.qrLink, { token: encodeURIComponent(token) }) : "",
      bank: m.bankName,
      address: m.address ? `, ${m.address}` : "",
      deadline: deadline ? formatDeadline(deadline, m.language, m.timeZone) : "",
      trackingRef: m.trackingRef,
      language: m.language,
    };
    const rendered = d.templates.render(m.kind, m.channel, m.language, vars);
    if (!rendered) return { status: "skipped", reason: `no template for ${m.kind}.${m.channel}` };
    const id = messageId(m, deadline);
    try {
      await transport.send({ notificationId: m.id, messageId: id, to, subject: rendered.subject, text: rendered.text, vars: { ...vars, kind: m.kind } });
    } catch (e) {
      failed.inc({ channel: m.channel });
      const error = (e as Error).message || String(e);
      if (m.attempts >= s.maxAttempts) return { status: "dead", error };
      return { status: "retry", at: d.clock.now() + backoffDelay(m.attempts, { minMs: s.backoffMinMs, maxMs: s.backoffMaxMs }, d.random), error };
    }
    return { status: "sent", deadline, messageId: id };
  }

  async function handle(m: ClaimedMessage): Promise<void> {
    let f: Finish;
    try {
      f = await deliver(m);
    } catch (e) {
      // the database failed us mid-way: leave the claim; its lease hands it on
      log.warn({ err: e, notification: m.id }, "message not finished; it is claimed again when its lease ends");
      return;
    }
    const mine = await finish(pool, m.id, d.instance, d.clock.now(), f);
    const where = { notification: m.id, bank: m.bankId, parcel: m.parcelId, kind: m.kind, channel: m.channel, attempts: m.attempts };
    if (!mine) log.warn(where, "the claim ran out before the message was finished; another instance has it (a repeat may reach the customer)");
    if (f.status === "sent") {
      sent.inc({ kind: m.kind, channel: m.channel });
      log.info(where, "message sent");
    } else if (f.status === "dead") {
      dead.inc({ kind: m.kind, channel: m.channel });
      log.error({ ...where, error: f.error }, "message dead-lettered");
    } else if (f.status === "retry") {
      log.warn({ ...where, error: f.error, retryAt: new Date(f.at).toISOString() }, "message not delivered; will retry");
    } else if (f.status === "skipped") {
      log.debug({ ...where, reason: f.reason }, "message skipped");
    }
  }

  async function runOnce(): Promise<number> {
    const now = d.clock.now();
    await expireAdvice(pool, now);
    await planMatches(pool, now, s.reminderHoursBefore);
    await planReturns(pool, now);
    let handled = 0;
    // bounded: at most 50 batches a round, then the next poll
    for (let round = 0; round < 50; round++) {
      const batch = await claimDue(pool, d.clock.now(), d.instance, s.leaseMs, s.batchSize);
      if (batch.length === 0) break;
      await Promise.all(batch.map((m) => handle(m)));
      handled += batch.length;
      if (batch.length < s.batchSize) break;
    }
    return handled;
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    running = runOnce()
      .catch((e: unknown) => log.warn({ err: e }, "notifier round failed; trying again at the next poll"))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(tick, s.pollMs);
      });
  };
  return {
    runOnce,
    start() {
      stopped = false;
      timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const t of Object.values(d.transports)) t?.close();
    },
  };
}
